"""Read-only analysers, each ``Asset -> list[Signal]``; importing this package registers them all."""

from clearmark.detectors import (
    aigc_metadata,
    audio_rhythm,
    c2pa_manifest,
    classifier,
    fingerprints,
    iptc,
    ocr_notice,
    security_data,
    stealth,
    text_mark,
    text_notice,
    text_watermark,
    visible_notice,
    watermark,
)
from clearmark.detectors.registry import DETECTOR_FACTORIES, Detector, DetectorContext, build_detectors, run_detectors

__all__ = [
    "DETECTOR_FACTORIES",
    "Detector",
    "DetectorContext",
    "aigc_metadata",
    "audio_rhythm",
    "build_detectors",
    "c2pa_manifest",
    "classifier",
    "fingerprints",
    "iptc",
    "ocr_notice",
    "run_detectors",
    "security_data",
    "stealth",
    "text_mark",
    "text_notice",
    "text_watermark",
    "visible_notice",
    "watermark",
]
