"""Label (Art. 6) on uploads from other producers: compat carriers updated in place, nothing forged."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin
from tests.conftest import PLATFORM, PRODUCER, image_sample, make_image

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Category
from clearmark.service.pipelines import LabelJob, PipelineConfig, inspect_content, label_content

CONFIG = PipelineConfig()
THEIRS = AigcLabel("1", PRODUCER, "THEIR-ID-1", "sig123", PRODUCER, "THEIR-ID-1", "")


def png_with_text(*chunks: tuple[str, str], compressed: bool = False) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks:
        info.add_text(key, value, zip=compressed)
    buffer = io.BytesIO()
    make_image(320, 240).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


def jpeg_with_user_comment(text: str) -> bytes:
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00" + text.encode()
    buffer = io.BytesIO()
    make_image(320, 240).save(buffer, format="JPEG", exif=exif.tobytes(), quality=90)
    return buffer.getvalue()


def job(content: bytes, **kw: object) -> LabelJob:
    return LabelJob(request_id="r1", tenant="t", content=content, platform_code=PLATFORM, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "upload",
    [
        pytest.param(lambda: png_with_text(("AIGC", THEIRS.to_json())), id="png-tEXt-bare"),
        pytest.param(lambda: png_with_text(("AIGC", THEIRS.to_json()), compressed=True), id="png-zTXt"),
        pytest.param(lambda: jpeg_with_user_comment(THEIRS.to_json(wrapped=True)), id="exif-usercomment-wrapped"),
    ],
)
def test_propagator_fields_are_written_in_the_producers_carrier(upload) -> None:
    content = upload()
    outcome = label_content(job(content), CONFIG)
    assert outcome.modified and outcome.label_value == "1"
    assert outcome.labels_applied == (AppliedLabel.METADATA_PROPAGATOR,)
    after = inspect_content(outcome.content, CONFIG)
    labels = [s for s in after.signals if s.kind == "aigc.metadata_label"]
    assert len(labels) == 1, "a second label was written"
    label = labels[0].label
    assert label is not None
    # the producer's fields are untouched, the platform's are set
    assert (label.label, label.content_producer, label.produce_id, label.reserved_code1) == (
        "1",
        PRODUCER,
        "THEIR-ID-1",
        "sig123",
    )
    assert (label.content_propagator, label.propagate_id) == (PLATFORM, outcome.propagate_id)
    assert after.category is Category.AI_GENERATED


def test_duplicate_labels_are_reported_not_resolved() -> None:
    other = AigcLabel("1", PRODUCER, "OTHER-ID", "", PRODUCER, "OTHER-ID", "")
    content = png_with_text(("AIGC", THEIRS.to_json()), ("AIGC", other.to_json()))
    outcome = label_content(job(content), CONFIG)
    assert not outcome.modified and outcome.content == content
    assert "aigc.duplicate_label" in {f.label for f in outcome.inspection.findings}
    assert outcome.label_value == "1" and outcome.display_notice == "AI生成"


def test_malformed_label_is_reported_and_left_alone() -> None:
    content = png_with_text(("AIGC", "{not json"))
    outcome = label_content(job(content, user_declared_ai=True), CONFIG)
    assert not outcome.modified
    assert "aigc.malformed_label" in {f.label for f in outcome.inspection.findings}


def test_traces_without_label_get_label_3(image_format: str) -> None:
    # IPTC says AI but there is no GB 45438 label: Art. 6 case 3 (suspected)
    from clearmark.media.registry import format_named
    from clearmark.media.xmp import NS_IPTC_EXT, XmpDocument

    document = XmpDocument.empty()
    document.set(
        NS_IPTC_EXT, "DigitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    blocks = format_named(image_format).container.blocks
    content = blocks.write_xmp(image_sample(image_format, make_image(320, 240)), document.to_packet())
    outcome = label_content(job(content), CONFIG)
    assert outcome.inspection.category is Category.AI_SUSPECTED
    assert outcome.label_value == "3" and outcome.display_notice == "疑似AI生成"
    assert outcome.labels_applied == (AppliedLabel.EXPLICIT_NOTICE, AppliedLabel.METADATA_PROPAGATOR)
    after = inspect_content(outcome.content, CONFIG)
    assert after.aigc_label is not None and after.aigc_label.label == "3"
    assert after.aigc_label.content_producer == ""  # a platform never claims to be the producer
    # the IPTC property the upload carried is still there
    assert any(s.kind == "iptc.digital_source_type" for s in after.signals)


def test_skip_visible_notice_writes_metadata_only(image_bytes: bytes) -> None:
    outcome = label_content(job(image_bytes, user_declared_ai=True, skip_visible_notice=True), CONFIG)
    assert outcome.labels_applied == (AppliedLabel.METADATA_PROPAGATOR,) and outcome.notice is None
    assert outcome.display_notice == "可能为AI生成"
    original = Image.open(io.BytesIO(image_bytes))
    labelled = Image.open(io.BytesIO(outcome.content))
    assert original.tobytes() == labelled.tobytes(), "pixels changed without a notice"


def test_stamped_plain_text_is_ai_generated_and_label_adds_no_second_notice() -> None:
    from clearmark.service.pipelines import StampJob, stamp_content

    stamped = stamp_content(StampJob("s1", "t", b"A report a model wrote.\nSecond line.\n", PRODUCER), CONFIG).content
    inspection = inspect_content(stamped, CONFIG)
    assert inspection.category is Category.AI_GENERATED
    assert inspection.findings == ()
    outcome = label_content(job(stamped), CONFIG)
    assert (outcome.modified, outcome.label_value) == (False, "1")
    assert outcome.content == stamped and "疑似".encode() not in outcome.content


@pytest.mark.parametrize(("notice", "value"), [("疑似AI生成", "3"), ("可能为AI生成", "2")])
def test_a_platforms_notice_on_plain_text_keeps_its_own_value(notice: str, value: str) -> None:
    content = f"{notice}\nSome text.\n".encode()
    outcome = label_content(job(content), CONFIG)
    assert (outcome.modified, outcome.label_value) == (False, value)


def test_a_declaration_wins_over_detected_traces_art6_case_2() -> None:
    from clearmark.media.formats.png import PNG
    from clearmark.media.xmp import NS_IPTC_EXT, XmpDocument

    document = XmpDocument.empty()
    document.set(
        NS_IPTC_EXT, "DigitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    )
    buffer = io.BytesIO()
    make_image(320, 240).save(buffer, format="PNG")
    content = PNG.write_xmp(buffer.getvalue(), document.to_packet())
    assert label_content(job(content, user_declared_ai=True), CONFIG).label_value == "2"
    assert label_content(job(content), CONFIG).label_value == "3"
