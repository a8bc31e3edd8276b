"""Formats recognised only to be refused precisely (UNSUPPORTED_FORMAT naming them) until their modules land.

When a format gets its own module (labels, codec, C2PA), its entry leaves this table.
"""

from __future__ import annotations

from collections.abc import Callable

from clearmark.core.enums import MediaKind
from clearmark.media.format import FormatSpec, Probe
from clearmark.media.registry import register_format


def _riff(form: bytes) -> Callable[[Probe], bool]:
    return lambda probe: probe.head[:4] == b"RIFF" and probe.head[8:12] == form


def _is_svg(probe: Probe) -> bool:
    """An XML document whose root element is ``svg`` (looked for past the prolog, comments and a doctype)."""
    head = probe.head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head


_RECOGNISED: tuple[tuple[str, MediaKind, str, str, Callable[[Probe], bool], int], ...] = (
    ("bmp", MediaKind.IMAGE, "image/bmp", "BMP image", lambda p: p.starts_with(b"BM") and len(p.head) >= 26, 50),
    ("avi", MediaKind.VIDEO, "video/x-msvideo", "AVI video", _riff(b"AVI "), 50),
    # SVG is text to a sniffer but an image to its readers: refused, never given a notice line before <?xml.
    ("svg", MediaKind.IMAGE, "image/svg+xml", "SVG image", _is_svg, 90),
    (
        "zip",
        MediaKind.DOCUMENT,
        "application/zip",
        "ZIP archive",
        lambda p: p.starts_with(b"PK\x03\x04", b"PK\x05\x06"),
        0,
    ),
)

SPECS = tuple(
    register_format(FormatSpec(name, kind, (mime,), description, matches, precedence))
    for name, kind, mime, description, matches, precedence in _RECOGNISED
)
