"""Per-process caches of what every job needs (detectors, the notice font), built once per worker."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from clearmark.detectors.registry import Detector, DetectorContext, build_detectors
from clearmark.notice import NoticeFont, load_notice_font


@cache
def detectors_for(context: DetectorContext) -> tuple[Detector, ...]:
    """The registered detectors, built once per process."""
    import clearmark.detectors  # noqa: F401  (registers every detector module)

    return build_detectors(context)


def notice_font(font_path: Path | None) -> NoticeFont:
    """The notice font, loaded and checksum-verified once per process (``load_notice_font`` caches)."""
    return load_notice_font(font_path)
