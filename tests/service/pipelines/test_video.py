"""The verbs on video clips made by PyAV: Stamp, Inspect, Label (metadata only), Verify, limits and broken clips."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import av
import c2pa
import pytest
from tests.conftest import PLATFORM, PRODUCER
from tests.media.video.clips import ClipSpec, faststart, make_clip

from clearmark.core.enums import AppliedLabel, Outcome
from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.core.kinds import Attr, SignalKind
from clearmark.detectors.registry import DetectorContext
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media import c2pa_store
from clearmark.media.limits import MediaLimits
from clearmark.media.movie_label import MovieContainer
from clearmark.media.registry import format_named
from clearmark.media.source import Source
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, signing, stamp_content
from clearmark.service.pipelines.label import LabelJob, label_content
from clearmark.service.pipelines.verify import VerifyJob, verify_content
from clearmark.service.reports.verify_page import render_report_html

pytestmark = pytest.mark.skipif(
    format_named("mp4") is None or not format_named("mp4").supported,
    reason="the MP4/WebM label containers (video-box) are not in this build yet",
)

KEY = b"video-verbs-test-key"
SPEC = ClipSpec(width=480, height=272, seconds=2.6, fps=10)


def _bytes(content) -> bytes:
    return content.read_bytes(1 << 30) if isinstance(content, Source) else content


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> PipelineConfig:
    material = ensure_dev_signing_material(tmp_path_factory.mktemp("video-c2pa"))
    return PipelineConfig(
        watermark_embed=True,
        detectors=DetectorContext(watermark_key=KEY),
        c2pa_signing=C2paSigning(material.cert_chain_pem, material.private_key_pem, material.algorithm),
    )


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return make_clip(tmp_path_factory.mktemp("video") / "in.mp4", SPEC).read_bytes()


@pytest.fixture(scope="module")
def stamped(clip: bytes, config: PipelineConfig):
    return stamp_content(StampJob("req-v1", "t", clip, PRODUCER, model="video-model"), config)


def _video_packets(data: bytes) -> list[bytes]:
    with av.open(io.BytesIO(data)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.size]


def test_stamp_writes_every_label(stamped) -> None:
    assert set(stamped.labels_applied) >= {
        AppliedLabel.EXPLICIT_NOTICE,
        AppliedLabel.WATERMARK,
        AppliedLabel.METADATA_PRODUCER,
        AppliedLabel.C2PA_MANIFEST,
    }
    data = _bytes(stamped.content)
    with av.open(io.BytesIO(data)) as container:  # read back independently: FFmpeg's own metadata
        aigc = json.loads(container.metadata["AIGC"])
        assert sum(1 for _ in container.decode(video=0)) == 26
    assert aigc["ContentProducer"] == PRODUCER and aigc["ProduceID"] == stamped.produce_id
    assert b"mdta" in data and b"AIGC" in data  # the udta/meta keys carrier, not a bare tag
    reader = c2pa.Reader("video/mp4", io.BytesIO(data))
    assert json.loads(reader.json())["validation_state"] in {"Valid", "Trusted"}
    assert (stamped.output.width, stamped.output.height) == (480, 272)


def test_inspect_reads_notice_watermark_and_label(stamped, config: PipelineConfig) -> None:
    inspection = inspect_content(_bytes(stamped.content), config)
    kinds = {s.kind for s in inspection.signals}
    assert {SignalKind.METADATA_LABEL, SignalKind.WATERMARK_CLEARMARK, SignalKind.NOTICE_SEEN} <= kinds
    (notice,) = [s for s in inspection.signals if s.kind == SignalKind.NOTICE_SEEN]
    assert float(notice.attribute(Attr.ON_SCREEN_S)) >= 2.0
    (mark,) = [s for s in inspection.signals if s.kind == SignalKind.WATERMARK_CLEARMARK]
    assert mark.attribute(Attr.FRAME_TIMES)


def test_inspect_with_ocr_beside_the_other_detectors_is_the_same(stamped, config: PipelineConfig) -> None:
    """The frames' OCR runs on a helper thread while the mark is read here: one sampling, the same signals."""
    data = _bytes(stamped.content)
    in_turn = inspect_content(data, replace(config, detector_threads=0))
    beside = inspect_content(data, replace(config, detector_threads=1))
    assert beside.signals == in_turn.signals
    assert (beside.category, beside.findings, beside.campaign) == (in_turn.category, in_turn.findings, in_turn.campaign)


def test_verify_passes_the_video_checks(stamped, config: PipelineConfig) -> None:
    report = verify_content(VerifyJob("req-v2", _bytes(stamped.content)), config)
    outcomes = {c.requirement_id: c.outcome for c in report.checks}
    for requirement in (
        "video.notice.start_screen",
        "video.notice.size",
        "video.notice.position",
        "metadata.single_label",
        "watermark.consistency",
    ):
        assert outcomes[requirement] is Outcome.PASS, requirement


def test_the_html_report_shows_the_start_screen_with_the_notice_box(stamped, config: PipelineConfig) -> None:
    data = _bytes(stamped.content)
    report = verify_content(VerifyJob("req-v7", data), config)
    page = render_report_html(report, content=data)
    assert 'id="thumbnail"' in page and 'class="box box0"' in page
    assert "video.notice.start_screen" in page


def test_label_keeps_the_producer_and_does_not_re_encode(stamped, config: PipelineConfig) -> None:
    data = _bytes(stamped.content)
    outcome = label_content(LabelJob("req-v3", "t", data, PLATFORM), config)
    out = _bytes(outcome.content)
    assert outcome.label.content_producer == PRODUCER and outcome.label.content_propagator == PLATFORM
    assert AppliedLabel.EXPLICIT_NOTICE not in outcome.labels_applied
    assert _video_packets(out) == _video_packets(data)  # metadata only: every frame's packet unchanged
    with av.open(io.BytesIO(out)) as container:
        assert json.loads(container.metadata["AIGC"])["ContentPropagator"] == PLATFORM
    store = json.loads(c2pa.Reader("video/mp4", io.BytesIO(out)).json())
    assert store["validation_state"] in {"Valid", "Trusted"}
    active = store["manifests"][store["active_manifest"]]
    (parent,) = [i for i in active["ingredients"] if i["relationship"] == "parentOf"]
    assert parent.get("active_manifest") in store["manifests"]  # the producer's manifest is kept


def test_label_hashes_the_upload_once_for_c2pa(stamped, config: PipelineConfig, monkeypatch) -> None:
    """Inspect's c2pa pass validates the upload; the parent ingredient is made from that reading, so
    c2pa neither reads the upload again (no add_ingredient) nor validates it twice."""
    reads = []
    real_read = c2pa_store.read_manifest_report
    monkeypatch.setattr(c2pa_store, "read_manifest_report", lambda *a, **k: reads.append(a[1]) or real_read(*a, **k))

    def refused(*args, **kwargs) -> None:
        raise AssertionError("add_ingredient read the upload a second time")

    monkeypatch.setattr(c2pa.Builder, "add_ingredient", refused)
    data = _bytes(stamped.content)
    outcome = label_content(LabelJob("req-v6", "t", data, PLATFORM), config)
    assert reads == ["video/mp4"]
    store = json.loads(c2pa.Reader("video/mp4", io.BytesIO(_bytes(outcome.content))).json())
    active = store["manifests"][store["active_manifest"]]
    (parent,) = [i for i in active["ingredients"] if i["relationship"] == "parentOf"]
    producer = json.loads(c2pa.Reader("video/mp4", io.BytesIO(data)).json())
    assert parent["active_manifest"] == producer["active_manifest"]
    assert parent["validation_results"]["activeManifest"] == producer["validation_results"]["activeManifest"]


@pytest.mark.parametrize(("threshold", "releases"), [(signing.RELEASE_BEFORE_SIGNING_BYTES, 0), (0, 1)])
def test_label_returns_the_freed_heap_before_signing_a_large_movie_only(
    stamped, config: PipelineConfig, monkeypatch, threshold: int, releases: int
) -> None:
    """c2pa is about to hold the movie whole: from RELEASE_BEFORE_SIGNING_BYTES on, the heap the
    detectors freed goes back to the OS first; a small clip is signed without the collection."""
    calls: list[int] = []
    monkeypatch.setattr(signing, "RELEASE_BEFORE_SIGNING_BYTES", threshold)
    monkeypatch.setattr(signing, "release_free_memory", lambda: calls.append(1) or True)
    outcome = label_content(LabelJob("req-v7", "t", _bytes(stamped.content), PLATFORM), config)
    assert AppliedLabel.C2PA_MANIFEST in outcome.labels_applied
    assert len(calls) == releases


def test_label_leaves_a_store_past_the_box_limit_to_c2pa(stamped, config: PipelineConfig, monkeypatch) -> None:
    """The store cannot be read within max_movie_box_bytes: c2pa records the parent from the upload itself."""

    def too_large(*args, **kwargs) -> None:
        raise MediaTooLarge("the C2PA box is larger than max_movie_box_bytes")

    monkeypatch.setattr(MovieContainer, "manifest_store", too_large)
    data = _bytes(stamped.content)
    outcome = label_content(LabelJob("req-v8", "t", data, PLATFORM), config)
    store = json.loads(c2pa.Reader("video/mp4", io.BytesIO(_bytes(outcome.content))).json())
    active = store["manifests"][store["active_manifest"]]
    (parent,) = [i for i in active["ingredients"] if i["relationship"] == "parentOf"]
    assert parent["active_manifest"] in store["manifests"]


def test_label_streams_into_the_work_directory(stamped, config: PipelineConfig, tmp_path: Path) -> None:
    data = _bytes(stamped.content)
    outcome = label_content(LabelJob("req-v5", "t", data, PLATFORM, work_dir=tmp_path), config)
    assert isinstance(outcome.content, Source) and outcome.content.path.parent == tmp_path
    out = _bytes(outcome.content)
    assert _video_packets(out) == _video_packets(data)
    assert outcome.label.produce_id == stamped.produce_id


@pytest.mark.parametrize(
    "spec",
    [
        ClipSpec(codec="libx265", width=320, height=256, seconds=0.6, fps=10),
        ClipSpec(fragmented=True, width=320, height=256, seconds=0.6, fps=10),
        ClipSpec(rotation=-90, width=320, height=256, seconds=0.6, fps=10),
        ClipSpec(variable_rate=True, width=320, height=256, seconds=0.6, fps=10),
    ],
    ids=["hevc", "fragmented", "phone-rotated", "variable-rate"],
)
def test_stamp_keeps_the_clip_shape(tmp_path: Path, config: PipelineConfig, spec: ClipSpec) -> None:
    source = make_clip(tmp_path / "in.mp4", spec)
    outcome = stamp_content(StampJob("req-v6", "t", source.read_bytes(), PRODUCER, work_dir=tmp_path), config)
    out = _bytes(outcome.content)
    with av.open(io.BytesIO(out)) as after, av.open(str(source)) as before:
        assert json.loads(after.metadata["AIGC"])["ProduceID"] == outcome.produce_id
        assert after.streams.video[0].codec_context.name == before.streams.video[0].codec_context.name
        times = [round(float(f.time), 3) for f in after.decode(video=0)]
        assert times == [round(float(f.time), 3) for f in before.decode(video=0)]
    assert AppliedLabel.EXPLICIT_NOTICE in outcome.labels_applied and AppliedLabel.WATERMARK in outcome.labels_applied
    if spec.rotation:
        assert (outcome.output.width, outcome.output.height) == (256, 320)


def test_limits_refuse_before_decoding(clip: bytes, config: PipelineConfig) -> None:
    small = replace(config, limits=replace(MediaLimits(), max_video_pixels=1000))
    with pytest.raises(MediaTooLarge, match="max_video_pixels"):
        inspect_content(clip, small)


def test_truncated_clip_is_invalid(tmp_path: Path, config: PipelineConfig) -> None:
    whole = faststart(make_clip(tmp_path / "in.mp4", SPEC), tmp_path / "fast.mp4").read_bytes()
    with pytest.raises(InvalidMedia):
        stamp_content(StampJob("req-v4", "t", whole[: len(whole) // 2], PRODUCER), config)


@pytest.mark.parametrize(
    ("name", "spec", "codec"),
    [
        ("vp9-opus.webm", ClipSpec(codec="libvpx-vp9", muxer="webm", audio="libopus", width=480, height=272), "vp9"),
        ("h264-aac.mkv", ClipSpec(muxer="matroska", width=480, height=272), "h264"),
    ],
)
def test_matroska_clips_go_through_stamp_verify_and_label(
    tmp_path: Path, config: PipelineConfig, name: str, spec: ClipSpec, codec: str
) -> None:
    source = make_clip(tmp_path / name, replace(spec, seconds=2.5, fps=10)).read_bytes()
    stamped = _bytes(stamp_content(StampJob("req-m1", "t", source, PRODUCER), config).content)
    with av.open(io.BytesIO(stamped)) as container:  # the Matroska SimpleTag AIGC, as FFmpeg reads it
        assert json.loads(container.metadata["AIGC"])["ContentProducer"] == PRODUCER
        assert container.streams.video[0].codec_context.name == codec
    report = verify_content(VerifyJob("req-m2", stamped), config)
    outcomes = {c.requirement_id: c.outcome for c in report.checks}
    assert outcomes["video.notice.start_screen"] is Outcome.PASS
    assert outcomes["metadata.single_label"] is Outcome.PASS
    assert outcomes["watermark.consistency"] is Outcome.PASS
    labelled = _bytes(label_content(LabelJob("req-m3", "t", stamped, PLATFORM), config).content)
    assert _video_packets(labelled) == _video_packets(stamped)
