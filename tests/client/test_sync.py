"""The blocking client against a real server: typed results, streaming by size, limits, retries, keys, TLS."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
from pathlib import Path

import grpc
import numpy as np
import pytest
from PIL import Image

from clearmark.client import NO_RETRY, Client, RetryPolicy, gb45438_dict, gb45438_json
from clearmark.client import errors as client_errors
from clearmark.client.results import InspectResult, LabelResult, StampResult, VerifyResult
from clearmark.core import errors as core_errors
from clearmark.core.aigc import FIELD_ORDER
from clearmark.core.enums import AppliedLabel, Category, Corner, MediaKind, Outcome, Verb
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from tests.client.proxy import Proxy, self_signed_localhost
from tests.conftest import PLATFORM, PRODUCER, encode
from tests.service.conftest import API_KEY, OTHER_KEY

pytestmark = pytest.mark.e2e
FAST_RETRY = RetryPolicy(max_attempts=4, initial_backoff_s=0.01, max_backoff_s=0.05)


def test_the_four_verbs_and_lookup_give_typed_results(server, jpeg_bytes: bytes) -> None:
    with Client(server.address) as client:
        stamped = client.stamp(jpeg_bytes, producer_code=PRODUCER, model="m-1", request_id="client-typed-1")
        assert isinstance(stamped, StampResult) and stamped.produce_id
        assert stamped.output.kind is MediaKind.IMAGE and stamped.output.mime_type == "image/jpeg"
        assert hashlib.sha256(stamped.content).hexdigest() == stamped.output.sha256
        assert AppliedLabel.METADATA_PRODUCER in stamped.labels_applied
        assert stamped.notice is not None and stamped.notice.corner is Corner.BOTTOM_RIGHT
        assert stamped.notice.height_ratio >= 0.05
        assert stamped.record is not None and stamped.record.verb is Verb.STAMP
        assert isinstance(stamped.raw, api.StampResult) and stamped.raw.produce_id == stamped.produce_id
        with pytest.raises(dataclasses.FrozenInstanceError):
            stamped.produce_id = "x"  # type: ignore[misc]

        inspected = client.inspect(stamped.content)
        assert isinstance(inspected, InspectResult) and inspected.category is Category.AI_GENERATED
        assert inspected.aigc_label == stamped.aigc_label
        assert inspected.raw.inspection.category == Category.AI_GENERATED

        posted = client.label(stamped.content, platform_code=PLATFORM, request_id="client-typed-1-label")
        assert isinstance(posted, LabelResult) and posted.label_value == "1" and posted.display_notice == "AI生成"
        assert posted.aigc_label is not None and posted.aigc_label.content_propagator == PLATFORM

        report = client.verify(posted.content, include_html=True)
        assert isinstance(report, VerifyResult) and report.compliant and not report.failed()
        assert all(isinstance(c.outcome, Outcome) for c in report.checks) and "<html" in report.html.lower()

        records = client.lookup(produce_id=stamped.produce_id).records
        assert {r.verb for r in records} == {Verb.STAMP, Verb.LABEL}
        assert {r.media_kind for r in records} == {MediaKind.IMAGE}


def test_the_label_as_the_standard_spells_it(server, png_bytes: bytes) -> None:
    with Client(server.address) as client:
        label = client.stamp(png_bytes, producer_code=PRODUCER, request_id="client-gb-json").aigc_label
    assert label is not None
    text = gb45438_json(label)
    assert text.startswith('{"AIGC":{"Label":"1","ContentProducer":"' + PRODUCER + '"')
    assert list(gb45438_dict(label)["AIGC"]) == list(FIELD_ORDER)


def test_small_content_goes_unary_and_large_content_streams_with_the_same_result(
    server, proxy: Proxy, png_bytes: bytes, tmp_path: Path
) -> None:
    with Client(proxy.address, stream_above_bytes=len(png_bytes) - 1) as streaming, Client(proxy.address) as unary:
        first = unary.stamp(png_bytes, producer_code=PRODUCER, request_id="client-size-1")
        again = streaming.stamp(png_bytes, producer_code=PRODUCER, request_id="client-size-1")
        assert again.replayed and again.content == first.content and again.produce_id == first.produce_id
        assert streaming.inspect(first.content).category is Category.AI_GENERATED
        path = tmp_path / "stamped.png"
        path.write_bytes(first.content)
        assert streaming.verify(path).compliant  # a path is read from disk in chunks
        assert streaming.label(path, platform_code=PLATFORM).label_value == "1"
    assert proxy.methods() == ["Stamp", "StampStream", "InspectStream", "VerifyStream", "LabelStream"]


def _noise_png(side: int) -> bytes:
    pixels = np.random.default_rng(45438).integers(0, 256, (side, side, 3), dtype=np.uint8)
    return encode(Image.fromarray(pixels), "PNG", compress_level=1)


def test_results_over_4_mib_arrive(server) -> None:
    big = _noise_png(1400)  # ~5.9 MB in, a little more out
    assert 4 * 1024 * 1024 < len(big) < 8 * 1024 * 1024
    request = api.StampRequest(request_id="client-big-1", content=big, options=api.StampOptions(producer_code=PRODUCER))
    with grpc.insecure_channel(server.address) as channel, pytest.raises(grpc.RpcError) as caught:
        api_grpc.ClearMarkServiceStub(channel).Stamp(request, timeout=120)  # gRPC's default 4 MiB limit
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    with Client(server.address) as client:
        stamped = client.stamp(big, producer_code=PRODUCER, request_id="client-big-1")
    assert len(stamped.content) > 4 * 1024 * 1024 and stamped.replayed


def test_unavailable_is_retried_with_the_same_request_id(proxy: Proxy, jpeg_bytes: bytes) -> None:
    proxy.fail_next(grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAVAILABLE)
    with Client(proxy.address, retry=FAST_RETRY) as client:
        stamped = client.stamp(jpeg_bytes, producer_code=PRODUCER)
    assert proxy.methods() == ["Stamp"] * 3
    ids = {api.StampRequest.FromString(c.first_message).request_id for c in proxy.calls}
    assert ids == {stamped.request_id} and not stamped.replayed


def test_retries_stop_at_max_attempts_and_skip_codes_a_retry_cannot_fix(proxy: Proxy, png_bytes: bytes) -> None:
    proxy.fail_next(*[grpc.StatusCode.UNAVAILABLE] * 5)
    with Client(proxy.address, retry=FAST_RETRY) as client, pytest.raises(client_errors.RpcFailed) as caught:
        client.inspect(png_bytes)
    assert caught.value.code is grpc.StatusCode.UNAVAILABLE and len(proxy.calls) == 4
    proxy.calls.clear()
    with Client(proxy.address, retry=FAST_RETRY) as client:
        client.inspect(png_bytes)  # meets the fifth injected failure, then succeeds
        assert len(proxy.calls) == 2
        proxy.calls.clear()
        with pytest.raises(client_errors.InvalidRequest):
            client.stamp(png_bytes, producer_code="not-a-code")
    assert len(proxy.calls) == 1


def test_errors_are_typed_with_paths_and_both_languages(server, png_bytes: bytes) -> None:
    with Client(server.address) as client:
        with pytest.raises(core_errors.InvalidRequest) as caught:  # the house's class catches it
            client.stamp(png_bytes, producer_code="doubao")
        error = caught.value
        assert isinstance(error, client_errors.ServiceError) and error.code is grpc.StatusCode.INVALID_ARGUMENT
        assert error.reason == "INVALID_PARTY_CODE"
        assert [v.field for v in error.violations] == ["options.producer_code"] * len(error.violations)
        assert "PG-20252A" in error.message_in("zh-CN")
        with pytest.raises(client_errors.InvalidMedia):
            client.inspect(b"\x89PNG\r\n\x1a\n broken")
        with pytest.raises(core_errors.RecordNotFound):
            client.lookup(produce_id="CMNOSUCHRECORD")
        with pytest.raises(ValueError):
            client.lookup()


def test_api_key_goes_as_metadata_and_selects_the_tenant(authed_server, png_bytes: bytes) -> None:
    with (
        Client(authed_server.address, retry=NO_RETRY) as anonymous,
        pytest.raises(core_errors.Unauthenticated) as denied,
    ):
        anonymous.stamp(png_bytes, producer_code=PRODUCER)
    assert denied.value.reason == "UNAUTHENTICATED" and "API 密钥" in denied.value.message_in("zh-CN")
    with Client(authed_server.address, api_key=API_KEY) as tenant_a:
        produce_id = tenant_a.stamp(png_bytes, producer_code=PRODUCER, request_id="client-key-1").produce_id
        assert tenant_a.lookup(produce_id=produce_id).records[0].tenant == "tenant-a"
    with Client(authed_server.address, api_key=OTHER_KEY) as tenant_b, pytest.raises(core_errors.RecordNotFound):
        tenant_b.lookup(produce_id=produce_id)


def test_tls_with_the_servers_root_and_name(server, png_bytes: bytes) -> None:
    key, cert = self_signed_localhost()
    proxy = Proxy(server.address, tls=(key, cert))
    try:
        with Client(proxy.address, tls=True, root_certificates=cert, server_name="localhost") as client:
            assert client.inspect(png_bytes).category is Category.NO_SIGNAL
        with Client(proxy.address, retry=NO_RETRY) as plaintext, pytest.raises(client_errors.RpcFailed) as caught:
            plaintext.inspect(png_bytes, timeout=10)
        assert caught.value.code is grpc.StatusCode.UNAVAILABLE
    finally:
        proxy.close()


def test_the_client_imports_no_service_internals() -> None:
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (src, os.environ.get("PYTHONPATH", "")) if p)}
    code = "import json, sys, clearmark.client; print(json.dumps(sorted(m for m in sys.modules if 'clearmark' in m)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60, env=env)
    loaded = json.loads(out.stdout)
    assert "clearmark.client" in loaded
    assert not [m for m in loaded if m.startswith(("clearmark.service", "clearmark.media", "clearmark.detectors"))]


def test_the_wire_level_call_is_idempotent_too(proxy: Proxy, png_bytes: bytes) -> None:
    proxy.fail_next(grpc.StatusCode.UNAVAILABLE)
    with Client(proxy.address, retry=FAST_RETRY) as client:
        response = client.call("stamp", png_bytes, {"options": api.StampOptions(producer_code=PRODUCER)})
    assert isinstance(response, api.StampResponse) and response.content
    ids = {api.StampRequest.FromString(c.first_message).request_id for c in proxy.calls}
    assert len(proxy.calls) == 2 and len(ids) == 1 and "" not in ids


def test_output_goes_to_a_file_as_it_arrives(proxy: Proxy, png_bytes: bytes, tmp_path: Path) -> None:
    with Client(proxy.address) as unary, Client(proxy.address, stream_above_bytes=1024, retry=FAST_RETRY) as streaming:
        reference = unary.stamp(png_bytes, producer_code=PRODUCER, request_id="client-out-1")
        small = unary.stamp(png_bytes, producer_code=PRODUCER, request_id="client-out-1", output=tmp_path / "u.png")
        proxy.fail_next(grpc.StatusCode.UNAVAILABLE)  # the streamed call is retried into the same file
        big = streaming.stamp(png_bytes, producer_code=PRODUCER, request_id="client-out-1", output=tmp_path / "s.png")
        posted = streaming.label(tmp_path / "s.png", platform_code=PLATFORM, output=tmp_path / "posted.png")
    for result, name in ((small, "u.png"), (big, "s.png")):
        assert result.content == b"" and result.output_path == tmp_path / name
        assert (tmp_path / name).read_bytes() == reference.content
    assert hashlib.sha256((tmp_path / "posted.png").read_bytes()).hexdigest() == posted.output.sha256
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posted.png", "s.png", "u.png"]  # no .part left


def test_a_failed_call_leaves_no_output_file(server, png_bytes: bytes, tmp_path: Path) -> None:
    with Client(server.address) as client, pytest.raises(core_errors.InvalidRequest):
        client.stamp(png_bytes, producer_code="bad", output=tmp_path / "never.png")
    assert list(tmp_path.iterdir()) == []


def test_lookup_by_similar_content_and_by_pages(server) -> None:
    from bench.images import photo_like

    def jpeg(seed: int) -> bytes:
        buffer = io.BytesIO()
        photo_like(640, 480, seed=seed).save(buffer, format="JPEG", quality=92)
        return buffer.getvalue()

    with Client(server.address) as client:
        stamped = [
            client.stamp(jpeg(seed), producer_code=PRODUCER, request_id=f"client-similar-{seed}") for seed in (71, 72)
        ]
        for index, result in enumerate(stamped):  # two labels of the first picture: a second page
            client.label(result.content, platform_code=PLATFORM, request_id=f"client-page-{index}")
        buffer = io.BytesIO()  # the stamped picture re-encoded and resized, its metadata gone
        Image.open(io.BytesIO(stamped[0].content)).resize((480, 360)).save(buffer, format="JPEG", quality=60)
        copy = buffer.getvalue()
        found = client.lookup(similar_content=copy)
        assert found.records and found.records[0].produce_id == stamped[0].produce_id
        assert dict(found.distances)[found.records[0].record_id] <= 10
        first = client.lookup(produce_id=stamped[0].produce_id, limit=1)
        assert len(first.records) == 1 and first.next_page_token
        second = client.lookup(produce_id=stamped[0].produce_id, limit=1, page_token=first.next_page_token)
        assert second.records and second.records[0].record_id != first.records[0].record_id
