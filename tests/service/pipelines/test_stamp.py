"""Stamp: every label written, existing XMP kept, requests validated, output deterministic."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tests.conftest import PRODUCER, image_sample, make_image

from clearmark.core.enums import AppliedLabel, Corner
from clearmark.core.errors import InvalidRequest, LabelConflict
from clearmark.media.registry import format_named
from clearmark.media.xmp import NS_DC, NS_XMP, XmpDocument
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content

CONFIG = PipelineConfig()


def job(content: bytes, **kw: object) -> StampJob:
    return StampJob(request_id="req-1", tenant="t", content=content, producer_code=PRODUCER, **kw)  # type: ignore[arg-type]


def test_existing_xmp_is_kept_property_by_property(image_format: str) -> None:
    blocks = format_named(image_format).container.blocks  # type: ignore[union-attr]
    document = XmpDocument.empty()
    document.set(NS_XMP, "CreatorTool", "Painter 3.1")
    document.set(NS_DC, "source", "studio-42")
    content = blocks.write_xmp(image_sample(image_format, make_image(320, 240)), document.to_packet())
    out = stamp_content(job(content), CONFIG).content
    packets = [packet for packet in blocks.read_xmp_packets(out) if packet.standard]
    assert len(packets) == 1
    kept = XmpDocument.parse(packets[0].packet)
    assert kept.get(NS_XMP, "CreatorTool") == "Painter 3.1"
    assert kept.get(NS_DC, "source") == "studio-42"


def test_output_is_deterministic_for_a_request(png_bytes: bytes) -> None:
    assert stamp_content(job(png_bytes), CONFIG).content == stamp_content(job(png_bytes), CONFIG).content
    other = stamp_content(StampJob("req-2", "t", png_bytes, PRODUCER), CONFIG)
    assert other.produce_id != stamp_content(job(png_bytes), CONFIG).produce_id


@pytest.mark.parametrize("corner", [c for c in Corner if c is not Corner.CORNER_UNSPECIFIED])
def test_notice_lands_in_the_requested_place(webp_bytes: bytes, corner: Corner) -> None:
    outcome = stamp_content(job(webp_bytes, notice_corner=corner), CONFIG)
    assert outcome.notice is not None and outcome.notice.corner is corner
    plate, width, height = outcome.notice.plate, outcome.output.width, outcome.output.height
    touches_top = plate.y <= 0.1 * min(width, height)
    touches_bottom = plate.y + plate.height >= height - 0.1 * min(width, height)
    assert touches_top if corner.name.startswith("TOP") else touches_bottom


def test_omitting_the_notice_needs_the_art9_log_fields(png_bytes: bytes) -> None:
    with pytest.raises(InvalidRequest):
        stamp_content(job(png_bytes, omit_visible_notice=True), CONFIG)
    outcome = stamp_content(
        job(png_bytes, omit_visible_notice=True, omit_reason="agreement-7", recipient="u-9"), CONFIG
    )
    assert outcome.labels_applied == (AppliedLabel.METADATA_PRODUCER,)
    assert dict(outcome.details)["notice_omitted_recipient"] == "u-9"
    before = Image.open(io.BytesIO(png_bytes)).tobytes()
    assert Image.open(io.BytesIO(outcome.content)).tobytes() == before


@pytest.mark.parametrize("text", ["AI播客", "虚拟主播", "Generated", "人工智能"])
def test_non_compliant_wording_is_refused(png_bytes: bytes, text: str) -> None:
    with pytest.raises(InvalidRequest):
        stamp_content(job(png_bytes, notice_text=text), CONFIG)


def test_flag_policy_accepts_wild_codes_with_a_warning(png_bytes: bytes) -> None:
    flagging = PipelineConfig(producer_code_policy="flag")
    outcome = stamp_content(StampJob("r", "t", png_bytes, "doubao"), flagging)
    assert outcome.warnings and outcome.label.content_producer == "doubao"
    inspection = inspect_content(outcome.content, flagging)
    assert "aigc.invalid_field" in {f.label for f in inspection.findings}


def test_stamping_twice_is_a_label_conflict(png_bytes: bytes) -> None:
    once = stamp_content(job(png_bytes), CONFIG).content
    with pytest.raises(LabelConflict):
        stamp_content(job(once), CONFIG)


@pytest.mark.parametrize("mode", ["RGBA", "L"])  # palette: every GIF sample is one
def test_alpha_grey_and_palette_images(image_format: str, mode: str) -> None:
    if image_format == "jpeg" and mode != "L":
        pytest.skip("JPEG has no alpha")
    content = image_sample(image_format, make_image(300, 200).convert(mode))
    outcome = stamp_content(job(content), CONFIG)
    assert inspect_content(outcome.content, CONFIG).aigc_label == outcome.label
