"""The registry through the real server: similar lookup, pages, auditors, shared replays, copied marks."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from bench.images import photo_like
from bench.watermark.attacks import residual_transplant
from PIL import Image

from clearmark.core.enums import Category
from clearmark.service.keys import ensure_watermark_key
from clearmark.service.reports.strings import enum_text, text
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from clearmark.watermark import embed_watermark, payload_for_produce_id
from tests.conftest import PLATFORM, PRODUCER, encode, make_image
from tests.service.conftest import API_KEY, RunningServer
from tests.watermark.conftest import photo

pytestmark = pytest.mark.e2e
AUDITOR_KEY = "auditor-key-0123456789abcdef"


def _stamp(stub: api_grpc.ClearMarkServiceStub, request_id: str, content: bytes, key: str = "") -> api.StampResponse:
    metadata = [("x-api-key", key)] if key else []
    request = api.StampRequest(request_id=request_id, content=content, options=api.StampOptions(producer_code=PRODUCER))
    return stub.Stamp(request, metadata=metadata, timeout=60)


def _reencoded(content: bytes, scale: float = 0.5, quality: int = 60) -> bytes:
    image = Image.open(io.BytesIO(content)).convert("RGB")
    image = image.resize((int(image.width * scale), int(image.height * scale)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def registry_server(server_factory: Callable[..., RunningServer], tmp_path_factory: pytest.TempPathFactory):
    return server_factory(
        cpu_workers=0,
        api_keys={API_KEY: "tenant-a", AUDITOR_KEY: "audit"},
        auditor_tenants=("audit",),
        data_dir=Path(tmp_path_factory.mktemp("registry-e2e")),
    )


def test_a_resized_reencoded_copy_finds_its_record(registry_server: RunningServer) -> None:
    with registry_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        stamped = _stamp(stub, "similar-1", encode(photo_like(640, 480, seed=11), "PNG"), API_KEY)
        record = stamped.result.record
        assert record.perceptual_kind == "image" and len(record.perceptual_hash) == 16
        copy = _reencoded(stamped.content)
        found = stub.Lookup(api.LookupRequest(similar_content=copy), metadata=[("x-api-key", API_KEY)], timeout=30)
        assert found.records[0].record_id == record.record_id
        assert found.distances[record.record_id] <= 10
        other = encode(photo_like(640, 480, seed=12), "JPEG")
        with pytest.raises(grpc.RpcError) as missing:
            stub.Lookup(api.LookupRequest(similar_content=other), metadata=[("x-api-key", API_KEY)], timeout=30)
        assert missing.value.code() is grpc.StatusCode.NOT_FOUND
        with pytest.raises(grpc.RpcError) as bad:
            stub.Lookup(
                api.LookupRequest(similar_content=b"\x89PNG\r\n\x1a\n truncated"),
                metadata=[("x-api-key", API_KEY)],
                timeout=30,
            )
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_pages_and_the_auditor(registry_server: RunningServer) -> None:
    source = encode(make_image(320, 240, seed=21), "PNG")
    with registry_server.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        ids = {_stamp(stub, f"page-{i}", source, API_KEY).result.record.record_id for i in range(3)}
        sha = hashlib.sha256(source).hexdigest()
        seen, token = [], ""
        while True:
            page = stub.Lookup(
                api.LookupRequest(sha256=sha, limit=2, page_token=token), metadata=[("x-api-key", API_KEY)], timeout=10
            )
            seen += [r.record_id for r in page.records]
            token = page.next_page_token
            if not token:
                break
        assert sorted(seen) == sorted(ids)
        with pytest.raises(grpc.RpcError) as bad:
            stub.Lookup(
                api.LookupRequest(sha256=sha, page_token="forged"), metadata=[("x-api-key", API_KEY)], timeout=10
            )
        assert bad.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        # The auditor sees tenant-a's records; tenant-a would not see the auditor's.
        audited = stub.Lookup(api.LookupRequest(sha256=sha), metadata=[("x-api-key", AUDITOR_KEY)], timeout=10)
        assert {r.tenant for r in audited.records} == {"tenant-a"} and len(audited.records) == 3


def test_a_replay_is_answered_by_another_replica_after_a_restart(
    server_factory: Callable[..., RunningServer], tmp_path: Path
) -> None:
    shared = f"sqlite:///{tmp_path / 'shared-registry.db'}"
    first = server_factory(cpu_workers=0, registry_url=shared, data_dir=tmp_path / "replica-1")
    content = encode(make_image(320, 240, seed=31), "PNG")
    with first.channel() as channel:
        original = _stamp(api_grpc.ClearMarkServiceStub(channel), "replay-1", content)
    first.stop()
    second = server_factory(cpu_workers=0, registry_url=shared, data_dir=tmp_path / "replica-2")
    with second.channel() as channel:
        again = _stamp(api_grpc.ClearMarkServiceStub(channel), "replay-1", content)
    assert again.result.replayed and again.content == original.content
    assert again.result.record.record_id == original.result.record.record_id


def test_a_copied_watermark_is_a_mismatch(server: RunningServer, stub: api_grpc.ClearMarkServiceStub) -> None:
    stamped = _stamp(stub, "copied-mark", encode(photo_like(512, 384, seed=41), "PNG"))
    key = ensure_watermark_key(server.settings.data_dir, None)
    # Someone lifts the mark and puts it on another picture (here: embeds the same payload).
    forged = embed_watermark(photo_like(512, 384, seed=42), payload_for_produce_id(stamped.result.produce_id), key)
    inspection = stub.Inspect(api.InspectRequest(content=encode(forged, "PNG")), timeout=60).inspection
    marks = [s for s in inspection.signals if s.kind == "watermark.clearmark"]
    assert marks and marks[0].attributes["resolved"] == "true"
    assert marks[0].attributes["record_binding"] == "mismatch"
    assert "watermark.record_mismatch" in {f.label for f in inspection.findings}
    # The genuine picture, re-encoded without its metadata, still binds to its record.
    genuine = stub.Inspect(api.InspectRequest(content=_reencoded(stamped.content, 1.0, 90)), timeout=60).inspection
    marks = [s for s in genuine.signals if s.kind == "watermark.clearmark"]
    assert marks and marks[0].attributes["record_binding"] == "match"
    assert "watermark.record_mismatch" not in {f.label for f in genuine.findings}


def _copied(stamped: bytes, _key: bytes, _produce_id: str) -> bytes:
    """The copy attack: the stamped picture's noise residual (the mark) lifted onto another picture."""
    source = Image.open(io.BytesIO(stamped)).convert("RGB")
    return encode(residual_transplant(source, photo(800, 600, seed=8), "nl-means", 1.0), "PNG")


def _embedded_elsewhere(_stamped: bytes, key: bytes, produce_id: str) -> bytes:
    """The mark embedded with the key onto other content: it follows that content, names another's record."""
    return encode(embed_watermark(photo_like(800, 600, seed=42), payload_for_produce_id(produce_id), key), "PNG")


def _stripped(stamped: bytes, _key: bytes, _produce_id: str) -> bytes:
    return _reencoded(stamped, 1.0, 90)


@pytest.mark.parametrize(
    ("make", "category", "binding", "registry_check", "finding"),
    [
        (_stripped, pb.CATEGORY_AI_GENERATED, "match", pb.OUTCOME_PASS, None),
        (_copied, None, None, pb.OUTCOME_FAIL, "watermark.content_mismatch"),
        (_embedded_elsewhere, None, "mismatch", pb.OUTCOME_FAIL, "watermark.record_mismatch"),
    ],
    ids=["resolved", "copied", "record-mismatch"],
)
def test_inspect_verify_label_and_the_report_decide_alike(
    server: RunningServer,
    stub: api_grpc.ClearMarkServiceStub,
    make: Callable[[bytes, bytes, str], bytes],
    category: int | None,
    binding: str | None,
    registry_check: int,
    finding: str | None,
) -> None:
    """One decision, made in the worker with the registry's answers: every verb and the page read it."""
    stamped = _stamp(stub, f"decide-once-{make.__name__}", encode(photo_like(800, 600, seed=7), "PNG"))
    content = make(stamped.content, ensure_watermark_key(server.settings.data_dir, None), stamped.result.produce_id)

    inspected = stub.Inspect(api.InspectRequest(content=content), timeout=60).inspection
    verified = stub.Verify(
        api.VerifyRequest(content=content, options=api.VerifyOptions(include_html=True, report_language="en")),
        timeout=60,
    )
    labelled = stub.Label(
        api.LabelRequest(
            request_id=f"decide-once-label-{make.__name__}",
            content=content,
            options=api.LabelOptions(platform_code=PLATFORM),
        ),
        timeout=60,
    ).result
    views = (inspected, verified.inspection, labelled.inspection)
    if category is not None:
        assert inspected.category == category
    else:
        assert inspected.category != pb.CATEGORY_AI_GENERATED
    assert len({v.category for v in views}) == 1
    assert len({tuple(sorted(f.label for f in v.findings)) for v in views}) == 1
    (mark,) = [s for s in inspected.signals if s.kind == "watermark.clearmark"]
    assert mark.attributes["resolved"] == "true"
    if binding:
        assert mark.attributes["record_binding"] == binding
    if finding:
        assert finding in {f.label for f in inspected.findings}
    checks = {c.requirement_id: c.outcome for c in verified.report.checks}
    assert checks["registry.match"] == registry_check
    html = verified.report.html
    assert f"<b>{enum_text(Category(inspected.category), 'en')}</b>" in html
    if finding:
        assert finding in html
    if binding:
        assert text(binding, "en") in html
    # Label wrote what the decision says: a resolved stripped copy is AI-generated, its producer's label
    # restored from the record ("1", AI生成); a copied or misplaced mark restores nothing.
    if category == pb.CATEGORY_AI_GENERATED:
        assert labelled.label_value == "1" and labelled.aigc_label.produce_id == stamped.result.produce_id
        assert labelled.display_notice == "AI生成"
    else:
        assert labelled.label_value != "1"


def test_a_label_in_our_producers_name_with_an_unknown_produce_id_is_a_possible_forgery(stub) -> None:
    """Someone copies a stamped label's form onto other content with an invented ProduceID, unsigned."""
    stamped = _stamp(stub, "forged-produce-id", encode(photo_like(640, 480, seed=51), "JPEG"))
    produce_id = stamped.result.produce_id
    assert produce_id.encode() in stamped.content  # the XMP label, as written
    invented = ("X" * len(produce_id)).encode()
    forged = stamped.content.replace(produce_id.encode(), invented)

    inspection = stub.Inspect(api.InspectRequest(content=forged), timeout=60).inspection
    (finding,) = [f for f in inspection.findings if f.label == "aigc.unknown_produce_id"]
    assert invented.decode() in finding.message and PRODUCER in finding.message
    assert inspection.aigc_label.produce_id == invented.decode()
    checks = {c.requirement_id: c for c in stub.Verify(api.VerifyRequest(content=forged), timeout=60).report.checks}
    assert checks["registry.match"].outcome == pb.OUTCOME_FAIL

    genuine = stub.Inspect(api.InspectRequest(content=stamped.content), timeout=60).inspection
    assert "aigc.unknown_produce_id" not in {f.label for f in genuine.findings}
    checks = {
        c.requirement_id: c for c in stub.Verify(api.VerifyRequest(content=stamped.content), timeout=60).report.checks
    }
    assert checks["registry.match"].outcome == pb.OUTCOME_PASS
