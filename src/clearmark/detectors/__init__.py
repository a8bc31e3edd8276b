"""Read-only analysers, each ``Asset -> list[Signal]``; importing this package registers them all."""

from clearmark.detectors import aigc_metadata, c2pa_manifest, iptc, visible_notice
from clearmark.detectors.registry import DETECTOR_FACTORIES, Detector, DetectorContext, build_detectors, run_detectors

__all__ = [
    "DETECTOR_FACTORIES",
    "Detector",
    "DetectorContext",
    "aigc_metadata",
    "c2pa_manifest",
    "build_detectors",
    "iptc",
    "run_detectors",
    "visible_notice",
]
