"""C2PA on MP4s past max_media_bytes, against a real server: signed and validated up to
max_c2pa_whole_asset_bytes with c2pa's hold of the asset reserved by memory admission; past it the
labels, a warning and ``c2pa.not_validated`` naming that limit."""

from __future__ import annotations

import io
import json
import struct
import time
from collections.abc import Callable
from pathlib import Path

import c2pa
import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from clearmark.labels.c2pa_manifest import ACTION_CREATED, C2paSigning, sign_manifest
from clearmark.media import Source, sniff_format
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.service.admission import C2paUse, estimate_memory
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import clearmark_service_pb2_grpc as api_grpc
from clearmark.v1 import types_pb2 as pb
from tests.conftest import PLATFORM, PRODUCER
from tests.media.samples import LABEL_JSON
from tests.media.video.clips import ClipSpec, make_clip
from tests.service.conftest import RunningServer
from tests.service.streams import collect, request_parts
from tests.service.test_faults_e2e import _until, frozen_workers

pytestmark = pytest.mark.e2e
MIB = 1024 * 1024
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"


def _label_stream(stub: api_grpc.ClearMarkServiceStub, content: bytes) -> tuple[api.LabelResult, bytes]:
    options = api.LabelOptions(platform_code=PLATFORM)
    parts = request_parts(api.LabelStreamRequest, api.LabelStreamHeader, content, options, chunk=MIB)
    return collect(stub.LabelStream(parts, timeout=300))  # type: ignore[return-value]


def _store(content: bytes) -> tuple[dict, str]:
    """The manifest store as c2pa-python's own Reader sees it, and its validation state."""
    with (
        c2pa.Context.from_dict({"verify": {"remote_manifest_fetch": False}}) as context,
        c2pa.Reader("video/mp4", io.BytesIO(content), None, context) as reader,
    ):
        return json.loads(reader.json()), reader.get_validation_state()


def _reason(error: grpc.RpcError) -> str:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    info = error_details_pb2.ErrorInfo()
    assert status is not None and status.details[0].Unpack(info)
    return info.reason


def _padded_signed_clip(folder: Path, padding: int) -> bytes:
    """A producer's upload: a 1 s H.264 clip carrying the producer's GB 45438 key, a top-level ``free`` box of
    ``padding`` bytes (what makes it large, cheaply), and the producer's C2PA manifest over all of it."""
    data = make_clip(folder / "clip.mp4", ClipSpec(seconds=1.0)).read_bytes()
    labelled = sniff_format(data).container.write_label(data, LABEL_JSON)  # type: ignore[union-attr]
    padded = folder / "padded.mp4"
    with padded.open("wb") as out:
        out.write(labelled)
        out.write(struct.pack(">I4s", 8 + padding, b"free"))
        out.truncate(len(labelled) + 8 + padding)  # zeros, sparse on disk
    dev = ensure_dev_signing_material(folder / "producer-keys")
    signed = sign_manifest(
        Source(path=padded),
        "video/mp4",
        C2paSigning(Path(dev.cert_chain_pem), Path(dev.private_key_pem)),
        action=ACTION_CREATED,
        digital_source_type=TRAINED,
        software_agent="producer model",
        claim_generator="producer/1",
        aigc_label=None,
        output=folder / "signed.mp4",
    )
    return Path(signed.content.path).read_bytes()  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def big_upload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """Over the default max_media_bytes (64 MiB), under max_c2pa_whole_asset_bytes (512 MiB)."""
    return _padded_signed_clip(tmp_path_factory.mktemp("big-mp4"), 80 * MIB)


@pytest.fixture(scope="module")
def small_upload(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The same kind of upload at 2 MiB, for servers whose limits are lowered to match."""
    return _padded_signed_clip(tmp_path_factory.mktemp("small-mp4"), 2 * MIB)


def test_a_label_of_an_mp4_over_max_media_bytes_carries_a_validated_manifest_with_the_producers_as_parent(
    server_factory: Callable[..., RunningServer], big_upload: bytes
) -> None:
    """Default limits: an 80 MiB MP4 is validated in Inspect's part of Label and signed file to file."""
    assert len(big_upload) > 64 * MIB
    producer_store, producer_state = _store(big_upload)
    assert producer_state in {"Valid", "Trusted"}
    running = server_factory(cpu_workers=1)
    with running.channel() as channel:
        result, labelled = _label_stream(api_grpc.ClearMarkServiceStub(channel), big_upload)
    assert result.modified and pb.APPLIED_LABEL_C2PA_MANIFEST in result.labels_applied  # type: ignore[attr-defined]
    assert not [w for w in result.warnings if "C2PA" in w]  # type: ignore[attr-defined]
    read = {s.kind for s in result.inspection.signals}  # type: ignore[attr-defined]
    assert "c2pa.manifest" in read and "c2pa.not_validated" not in read  # the upload's manifest was validated
    store, state = _store(labelled)
    assert state in {"Valid", "Trusted"} and len(labelled) > 64 * MIB
    assert store["active_manifest"] == result.record.details["c2pa_manifest"]  # type: ignore[attr-defined]
    [parent] = store["manifests"][store["active_manifest"]]["ingredients"]
    assert parent["relationship"] == "parentOf"
    assert parent["active_manifest"] == producer_store["active_manifest"]  # the producer's manifest kept
    assert running.server.app.memory.in_use == 0  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def lowered(server_factory: Callable[..., RunningServer]) -> RunningServer:
    """Whole-file handling capped at 16 KiB: every clip here is past max_media_bytes, within the C2PA limit."""
    return server_factory(cpu_workers=1, max_media_bytes=16 * 1024)


@pytest.fixture(scope="module")
def lowered_c2pa(server_factory: Callable[..., RunningServer]) -> RunningServer:
    """The same, with max_c2pa_whole_asset_bytes at 1 MiB: the 2 MiB upload is past it."""
    return server_factory(cpu_workers=1, max_media_bytes=16 * 1024, max_c2pa_whole_asset_bytes=MIB)


def test_stamp_signs_an_output_past_max_media_bytes(lowered: RunningServer, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "gen.mp4", ClipSpec(seconds=1.0)).read_bytes()
    with lowered.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        stamped = stub.Stamp(
            api.StampRequest(content=clip, options=api.StampOptions(producer_code=PRODUCER)), timeout=120
        )
        inspected = stub.Inspect(api.InspectRequest(content=stamped.content), timeout=120)
    assert len(stamped.content) > 16 * 1024
    assert pb.APPLIED_LABEL_C2PA_MANIFEST in stamped.result.labels_applied
    store, state = _store(stamped.content)
    assert state in {"Valid", "Trusted"}
    assert store["active_manifest"] == stamped.result.record.details["c2pa_manifest"]
    kinds = {s.kind for s in inspected.inspection.signals}
    assert "c2pa.manifest" in kinds and "c2pa.not_validated" not in kinds


def test_past_max_c2pa_whole_asset_bytes_the_labels_are_written_without_a_manifest_and_every_verb_says_which_limit(
    lowered_c2pa: RunningServer, small_upload: bytes
) -> None:
    assert MIB < len(small_upload) < 64 * MIB
    with lowered_c2pa.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        result, labelled = _label_stream(stub, small_upload)
        inspected = stub.Inspect(api.InspectRequest(content=labelled), timeout=120)
        verified = stub.Verify(api.VerifyRequest(content=labelled), timeout=120)
    assert result.modified and pb.APPLIED_LABEL_C2PA_MANIFEST not in result.labels_applied  # type: ignore[attr-defined]
    [warning] = [w for w in result.warnings if "no C2PA manifest" in w]  # type: ignore[attr-defined]
    assert f"max_c2pa_whole_asset_bytes ({MIB})" in warning
    assert not result.record.details["c2pa_manifest"]  # type: ignore[attr-defined]
    # The upload's producer manifest is still the only one: no platform manifest was added.
    assert _store(labelled)[0]["active_manifest"] == _store(small_upload)[0]["active_manifest"]
    for signals in (inspected.inspection.signals, verified.inspection.signals):
        [skipped] = [s for s in signals if s.kind == "c2pa.not_validated"]
        assert f"max_c2pa_whole_asset_bytes={MIB}" in skipped.message


def test_a_label_whose_signing_would_exceed_the_request_budget_is_refused_before_any_work(
    server_factory: Callable[..., RunningServer], big_upload: bytes
) -> None:
    """The 80 MiB clip's frames (~73 MiB) and c2pa's validation of it (~120 MiB) fit a 200 MiB video
    budget, c2pa's hold of it to sign (~208 MiB) does not: Label is refused, naming C2PA signing and the limit that
    avoids it; Inspect is served."""
    limits = MediaLimits()
    estimate = estimate_memory(open_asset(big_upload, limits), copies=3, c2pa=C2paUse.SIGN)
    assert max(estimate.decode_bytes, estimate.c2pa_read_bytes) < 200 * MIB < estimate.c2pa_bytes
    running = server_factory(cpu_workers=1, max_video_request_memory_bytes=200 * MIB)
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            _label_stream(stub, big_upload)
        parts = request_parts(api.InspectStreamRequest, api.InspectStreamHeader, big_upload, chunk=MIB)
        inspected = stub.InspectStream(parts, timeout=300)
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED and _reason(refused.value) == "MEMORY_BUDGET"
    details = refused.value.details() or ""
    assert "C2PA signing holds the 80 MiB asset whole" in details and "max_c2pa_whole_asset_bytes" in details
    kinds = {s.kind for s in inspected.inspection.signals}
    assert "c2pa.manifest" in kinds and "c2pa.not_validated" not in kinds
    assert running.server.app.memory.in_use == 0  # type: ignore[union-attr]


def test_two_labels_whose_signing_does_not_fit_together_queue_for_the_memory_budget(
    server_factory: Callable[..., RunningServer], small_upload: bytes
) -> None:
    """Their frames alone would fit the server budget twice over; c2pa's hold of each does not: the second
    Label waits, holding nothing, until the first is done, and both are signed."""
    estimate = estimate_memory(open_asset(small_upload, MediaLimits()), copies=3, c2pa=C2paUse.SIGN)
    need = estimate.total_bytes
    budget = need * 3 // 2
    assert need > estimate.decode_bytes and 2 * estimate.decode_bytes <= budget < 2 * need
    running = server_factory(
        cpu_workers=2,
        max_pending_jobs=4,
        memory_budget_bytes=budget,
        max_video_request_memory_bytes=budget,
        memory_wait_s=120,
    )
    app = running.server.app  # type: ignore[union-attr]
    request = api.LabelRequest(content=small_upload, options=api.LabelOptions(platform_code=PLATFORM))
    with running.channel() as channel:
        stub = api_grpc.ClearMarkServiceStub(channel)
        with frozen_workers(running):
            first = stub.Label.future(request, timeout=300)
            _until(lambda: app.pool.stats().busy == 1)
            second = stub.Label.future(
                api.LabelRequest(request_id="second", content=request.content, options=request.options), timeout=300
            )
            time.sleep(0.5)
            assert app.memory.in_use == need  # the second holds nothing ...
            assert app.pool.stats().busy == 1  # ... and never reached the free worker
        results = [first.result().result, second.result().result]
    assert all(pb.APPLIED_LABEL_C2PA_MANIFEST in r.labels_applied for r in results)
    assert app.memory.in_use == 0
