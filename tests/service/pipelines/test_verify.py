"""Verify's checklist: golden cases, each defect fails exactly the requirement it breaks."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw, PngImagePlugin
from tests.conftest import PLATFORM, PRODUCER, make_image

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Outcome
from clearmark.media.formats import jpeg, png, webp
from clearmark.media.xmp import NS_IPTC_EXT, NS_TC260, XmpDocument
from clearmark.service.pipelines import PipelineConfig, StampJob, VerifyJob, stamp_content, verify_content

CONFIG = PipelineConfig()
GOOD = AigcLabel("1", PRODUCER, "ID-1", "", PRODUCER, "ID-1", "")


def png_with_xmp(*properties: tuple[str, str, str]) -> bytes:
    document = XmpDocument.empty()
    for ns, name, value in properties:
        document.set(ns, name, value)
    buffer = io.BytesIO()
    make_image(200, 150).save(buffer, format="PNG")
    return png.PNG.write_xmp(buffer.getvalue(), document.to_packet())


def outcomes(content: bytes) -> dict[str, Outcome]:
    report = verify_content(VerifyJob("v", content), CONFIG)
    return {c.requirement_id: c.outcome for c in report.checks}


def failing(content: bytes) -> set[str]:
    """Failed metadata requirements (the notice checks have their own tests)."""
    return {k for k, v in outcomes(content).items() if v is Outcome.FAIL and k.startswith("metadata.")}


def text_png(value: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("AIGC", value)
    buffer = io.BytesIO()
    make_image(200, 150).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "expected_failures"),
    [
        ("good metadata, no notice", png_with_xmp((NS_TC260, "AIGC", GOOD.to_json())), set()),
        ("no label, no AI signal", png_with_xmp(), set()),
        (
            "Label 4",
            png_with_xmp((NS_TC260, "AIGC", AigcLabel("4", PRODUCER, "ID", "", PRODUCER, "ID").to_json())),
            {"metadata.label_value"},
        ),
        (
            "numeric Label",
            png_with_xmp((NS_TC260, "AIGC", GOOD.to_json().replace('"Label":"1"', '"Label":1'))),
            {"metadata.string_values"},
        ),
        (
            "space in a value",
            png_with_xmp((NS_TC260, "AIGC", AigcLabel("1", PRODUCER, "ID 1", "", PRODUCER, "ID 1").to_json())),
            {"metadata.charset"},
        ),
        (
            "producer name not code",
            png_with_xmp((NS_TC260, "AIGC", AigcLabel("1", "doubao", "ID", "", "doubao", "ID").to_json())),
            {"metadata.producer_code", "metadata.propagator"},
        ),
        (
            "six keys",
            png_with_xmp(
                (
                    NS_TC260,
                    "AIGC",
                    json.dumps(
                        {
                            "Label": "1",
                            "ContentProducer": PRODUCER,
                            "ProduceID": "I",
                            "ReservedCode1": "",
                            "ContentPropagator": PRODUCER,
                            "PropagateID": "I",
                        }
                    ),
                )
            ),
            {"metadata.seven_keys"},
        ),
        (
            "keys out of order",
            png_with_xmp(
                (
                    NS_TC260,
                    "AIGC",
                    json.dumps(
                        {
                            "ContentProducer": PRODUCER,
                            "Label": "1",
                            "ProduceID": "I",
                            "ReservedCode1": "",
                            "ContentPropagator": PRODUCER,
                            "PropagateID": "I",
                            "ReservedCode2": "",
                        }
                    ),
                )
            ),
            {"metadata.seven_keys"},
        ),
        (
            "propagator half set",
            png_with_xmp((NS_TC260, "AIGC", AigcLabel("1", PRODUCER, "I", "", PLATFORM, "").to_json())),
            {"metadata.propagator"},
        ),
        ("compat carrier", text_png(GOOD.to_json()), {"metadata.carrier"}),
        ("malformed JSON", text_png("{oops"), {"metadata.well_formed"}),
        (
            "IPTC says camera",
            png_with_xmp(
                (NS_TC260, "AIGC", GOOD.to_json()),
                (NS_IPTC_EXT, "DigitalSourceType", "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"),
            ),
            {"metadata.source_type"},
        ),
    ],
)
def test_each_defect_fails_its_requirement(name: str, content: bytes, expected_failures: set[str]) -> None:
    assert failing(content) == expected_failures, name


def test_duplicate_labels_fail_single_label() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("AIGC", GOOD.to_json())
    buffer = io.BytesIO()
    make_image(200, 150).save(buffer, format="PNG", pnginfo=info)
    document = XmpDocument.empty()
    document.set(NS_TC260, "AIGC", GOOD.to_json())
    content = png.PNG.write_xmp(buffer.getvalue(), document.to_packet())
    assert "metadata.single_label" in failing(content)


def test_notice_checks_pass_when_stamped_and_fail_when_painted_out(jpeg_bytes: bytes) -> None:
    stamped = stamp_content(StampJob("v1", "t", jpeg_bytes, PRODUCER), CONFIG)
    results = outcomes(stamped.content)
    for requirement in ("image.notice.present", "image.notice.size", "image.notice.position", "image.notice.wording"):
        assert results[requirement] is Outcome.PASS, requirement
    assert stamped.notice is not None
    image = Image.open(io.BytesIO(stamped.content)).convert("RGB")
    plate = stamped.notice.plate
    ImageDraw.Draw(image).rectangle(
        (plate.x, plate.y, plate.x + plate.width, plate.y + plate.height), fill=(90, 120, 60)
    )
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=95)
    tampered = jpeg.JPEG.write_xmp(buffer.getvalue(), jpeg.JPEG.read_xmp_packets(stamped.content)[0].packet)
    assert outcomes(tampered)["image.notice.present"] is Outcome.FAIL


def test_no_visible_label_is_not_applicable_without_any_ai_signal_and_fails_with_a_label(png_bytes: bytes) -> None:
    # A camera photo is not non-compliant: with no AI signal at all, no notice and no label are owed.
    assert outcomes(png_bytes)["image.notice.present"] is Outcome.NOT_APPLICABLE
    assert outcomes(png_bytes)["metadata.present"] is Outcome.NOT_APPLICABLE
    labelled = png_with_xmp((NS_TC260, "AIGC", GOOD.to_json()))
    assert outcomes(labelled)["image.notice.present"] is Outcome.FAIL


def test_a_third_party_notice_is_checked_through_ocr() -> None:
    from clearmark.labels import NoticeSpec, render_image_notice
    from clearmark.notice import load_notice_font

    drawn, _ = render_image_notice(make_image(640, 480), NoticeSpec(text="AI生成"), load_notice_font())
    buffer = io.BytesIO()
    drawn.save(buffer, format="PNG")  # no XMP: nothing says ClearMark drew it
    results = outcomes(buffer.getvalue())
    for requirement in ("image.notice.present", "image.notice.size", "image.notice.position", "image.notice.wording"):
        assert results[requirement] is Outcome.PASS, requirement


def test_notice_check_survives_recompression(webp_bytes: bytes) -> None:
    stamped = stamp_content(StampJob("v2", "t", webp_bytes, PRODUCER), CONFIG).content
    pixels = np.asarray(Image.open(io.BytesIO(stamped)).convert("RGB"))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="WEBP", quality=75)
    packet = webp.WEBP.read_xmp_packets(stamped)[0].packet
    recompressed = webp.WEBP.write_xmp(buffer.getvalue(), packet)
    assert outcomes(recompressed)["image.notice.present"] is Outcome.PASS


PRODUCER_ONLY = AigcLabel("1", PRODUCER, "ID-1", "", "", "", "")


def test_empty_propagator_fields_are_normal_on_producer_output() -> None:
    content = png_with_xmp((NS_TC260, "AIGC", PRODUCER_ONLY.to_json()))
    assert outcomes(content)["metadata.propagator"] is Outcome.NOT_APPLICABLE
    strict = PipelineConfig(verify_requires_propagator=True)
    report = verify_content(VerifyJob(request_id="r", content=content), strict)
    assert {c.requirement_id: c.outcome for c in report.checks}["metadata.propagator"] is Outcome.FAIL


@pytest.mark.parametrize(
    "label_json",
    [
        pytest.param(GOOD.to_json().replace('"ReservedCode1":""', '"ReservedCode1":7'), id="non-string"),
        pytest.param(
            json.dumps({"ContentProducer": PRODUCER, **{k: v for k, v in json.loads(GOOD.to_json()).items()}}),
            id="key-order",
        ),
        pytest.param(json.dumps({"Label": "1", "ContentProducer": PRODUCER, "ProduceID": "ID-1"}), id="omitempty"),
    ],
)
def test_inspect_reports_every_problem_verify_fails_on(label_json: str) -> None:
    content = png_with_xmp((NS_TC260, "AIGC", label_json))
    report = verify_content(VerifyJob(request_id="r", content=content), CONFIG)
    failed = {c.requirement_id for c in report.checks if c.outcome is Outcome.FAIL}
    assert failed & {"metadata.seven_keys", "metadata.string_values"}
    labels = {f.label for f in report.inspection.findings}
    assert "aigc.label_shape" in labels, labels


def _audio(seconds: float, rhythm_at: float | None, label: AigcLabel | None) -> bytes:
    from clearmark.media.audio import encode_audio, write_audio_label
    from clearmark.notice.audio_rhythm import render_rhythm

    rate = 16000
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.05 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    if rhythm_at is not None:
        clip = render_rhythm(rate)
        start = int(rhythm_at * rate)
        pcm[start : start + clip.size] += clip
    content = encode_audio(pcm, rate, "wav") or b""
    return content if label is None else write_audio_label(content, label) or b""


AUDIO_LABEL = AigcLabel("1", PRODUCER, "CM-A-1", "", PRODUCER, "CM-A-1", "")


@pytest.mark.parametrize(
    ("rhythm_at", "label", "present", "position"),
    [
        (0.1, AUDIO_LABEL, Outcome.PASS, Outcome.PASS),  # at the start
        (16.5, AUDIO_LABEL, Outcome.PASS, Outcome.PASS),  # at the end
        (8.0, AUDIO_LABEL, Outcome.PASS, Outcome.INCONCLUSIVE),  # only in the middle
        (None, AUDIO_LABEL, Outcome.INCONCLUSIVE, Outcome.NOT_APPLICABLE),  # maybe spoken: a listener decides
        (None, None, Outcome.NOT_APPLICABLE, Outcome.NOT_APPLICABLE),  # nothing says AI
    ],
    ids=["start", "end", "middle", "none-with-label", "nothing"],
)
def test_audio_notice_checks(
    rhythm_at: float | None, label: AigcLabel | None, present: Outcome, position: Outcome
) -> None:
    result = outcomes(_audio(18.0, rhythm_at, label))
    assert (result["audio.notice.present"], result["audio.notice.position"]) == (present, position)
    assert "image.notice.present" not in result and "text.notice.present" not in result
    if label is not None:
        assert result["metadata.carrier"] is Outcome.PASS and result["metadata.single_label"] is Outcome.PASS
