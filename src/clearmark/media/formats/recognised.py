"""Formats recognised only to be refused precisely (UNSUPPORTED_FORMAT naming them) until their modules land.

When a format gets its own module (labels, codec, C2PA), its entry leaves this table.
"""

from __future__ import annotations

from collections.abc import Callable

from clearmark.core.enums import MediaKind
from clearmark.media.format import FormatSpec, Probe
from clearmark.media.registry import register_format

_EBML = b"\x1a\x45\xdf\xa3"
# MPEG audio: bitrate index 1..14, sample rate index 0..2, layer not reserved.
_MP3_FRAME_BYTES = {1: 144, 2: 144, 3: 12}


def _ftyp(*brands: bytes) -> Callable[[Probe], bool]:
    return lambda probe: probe.head[4:8] == b"ftyp" and (not brands or probe.head[8:12] in brands)


def _riff(form: bytes) -> Callable[[Probe], bool]:
    return lambda probe: probe.head[:4] == b"RIFF" and probe.head[8:12] == form


def _mp3_frame_length(head: bytes, at: int) -> int:
    """The length of the MPEG audio frame whose header starts at ``at``, or 0 when there is none."""
    if at + 4 > len(head) or head[at] != 0xFF or head[at + 1] & 0xE0 != 0xE0:
        return 0
    version, layer = (head[at + 1] >> 3) & 3, (head[at + 1] >> 1) & 3
    bitrate, rate = head[at + 2] >> 4, (head[at + 2] >> 2) & 3
    if version == 1 or layer == 0 or bitrate in (0, 15) or rate == 3:
        return 0
    kbps = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)[bitrate - 1]
    hz = (44100, 48000, 32000)[rate] >> (0 if version == 3 else 1)
    return _MP3_FRAME_BYTES[layer] * kbps * 1000 // hz + ((head[at + 2] >> 1) & 1)


def _is_svg(probe: Probe) -> bool:
    """An XML document whose root element is ``svg`` (looked for past the prolog, comments and a doctype)."""
    head = probe.head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head


def _is_mp3(probe: Probe) -> bool:
    """An ID3v2 tag, or an MPEG audio frame header followed by the next one (a sync word alone is too weak)."""
    if probe.starts_with(b"ID3"):
        return True
    length = _mp3_frame_length(probe.head, 0)
    if length == 0:
        return False
    return probe.source.size <= length or _mp3_frame_length(probe.head, length) > 0


_RECOGNISED: tuple[tuple[str, MediaKind, str, str, Callable[[Probe], bool], int], ...] = (
    ("bmp", MediaKind.IMAGE, "image/bmp", "BMP image", lambda p: p.starts_with(b"BM") and len(p.head) >= 26, 50),
    ("mov", MediaKind.VIDEO, "video/quicktime", "QuickTime movie", _ftyp(b"qt  "), 50),
    ("m4a", MediaKind.AUDIO, "audio/mp4", "MPEG-4 audio", _ftyp(b"M4A ", b"M4B "), 50),
    ("mp4", MediaKind.VIDEO, "video/mp4", "MP4 video", _ftyp(), 40),
    (
        "webm",
        MediaKind.VIDEO,
        "video/webm",
        "WebM video",
        lambda p: p.starts_with(_EBML) and b"webm" in p.head[:64],
        50,
    ),
    ("mkv", MediaKind.VIDEO, "video/x-matroska", "Matroska video", lambda p: p.starts_with(_EBML), 40),
    ("avi", MediaKind.VIDEO, "video/x-msvideo", "AVI video", _riff(b"AVI "), 50),
    ("wav", MediaKind.AUDIO, "audio/wav", "WAV audio", _riff(b"WAVE"), 50),
    ("mp3", MediaKind.AUDIO, "audio/mpeg", "MP3 audio", _is_mp3, 50),
    ("flac", MediaKind.AUDIO, "audio/flac", "FLAC audio", lambda p: p.starts_with(b"fLaC"), 50),
    ("ogg", MediaKind.AUDIO, "audio/ogg", "Ogg media", lambda p: p.starts_with(b"OggS"), 50),
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
