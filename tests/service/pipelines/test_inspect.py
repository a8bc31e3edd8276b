"""Inspect of an image: the detectors and the campaign checks share one grey plane and one perceptual hash."""

from __future__ import annotations

import io
import threading
from dataclasses import replace

import cv2
import pytest
from PIL import Image
from tests.conftest import PRODUCER, encode, make_image

from clearmark.core.kinds import Attr, SignalKind
from clearmark.detectors.ocr_notice import OcrNoticeDetector
from clearmark.detectors.registry import DetectorContext
from clearmark.media.perceptual import image_phash
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content

CONFIG = PipelineConfig(detectors=DetectorContext(watermark_key=bytes(range(32))), watermark_embed=True)


def test_the_pixels_are_turned_grey_once_per_inspect(monkeypatch: pytest.MonkeyPatch) -> None:
    content = encode(make_image(960, 540), "JPEG", quality=92)
    stamped = stamp_content(StampJob("req-1", "t", content, PRODUCER), CONFIG).content
    conversions: list[int] = []
    convert = cv2.cvtColor

    def counting(src, code, *args, **kwargs):  # type: ignore[no-untyped-def]
        if code == cv2.COLOR_RGB2GRAY:
            conversions.append(1)
        return convert(src, code, *args, **kwargs)

    monkeypatch.setattr(cv2, "cvtColor", counting)
    inspection = inspect_content(stamped, CONFIG)
    kinds = {signal.kind for signal in inspection.signals}
    # The OCR gate, the QR scan and the watermark reader all ran, on one conversion.
    assert {SignalKind.NOTICE_SEEN, SignalKind.WATERMARK_CLEARMARK, SignalKind.CAMPAIGN_SUMMARY} <= kinds
    assert len(conversions) == 1
    mark = next(s for s in inspection.signals if s.kind == SignalKind.WATERMARK_CLEARMARK)
    monkeypatch.undo()

    assert mark.attribute(Attr.CONTENT_PHASH) == f"{image_phash(Image.open(io.BytesIO(stamped))):016x}"



def test_ocr_beside_the_other_detectors_gives_the_same_inspection(monkeypatch: pytest.MonkeyPatch) -> None:
    content = encode(make_image(960, 540), "JPEG", quality=92)
    stamped = stamp_content(StampJob("req-1", "t", content, PRODUCER), CONFIG).content
    in_turn = inspect_content(stamped, replace(CONFIG, detector_threads=0))
    threads: list[str] = []
    detect = OcrNoticeDetector.detect

    def recording(self, asset):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread().name)
        return detect(self, asset)

    monkeypatch.setattr(OcrNoticeDetector, "detect", recording)
    beside = inspect_content(stamped, replace(CONFIG, detector_threads=1))

    assert threads and threads[0].startswith("detectors-")
    assert beside.signals == in_turn.signals  # the same signals in the same order
    assert (beside.category, beside.findings, beside.campaign) == (in_turn.category, in_turn.findings, in_turn.campaign)
