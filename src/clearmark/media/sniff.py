"""Content type sniffing from magic bytes only; a client's mime type or file name is never consulted."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media.registry import CONTAINERS

_TEXT_PROBE = 4096
_MARKDOWN_PROBE = 65536  # front matter may be longer than the text probe
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F}


@dataclass(frozen=True)
class FormatInfo:
    """What the bytes are: modality, short format name and canonical mime type."""

    kind: MediaKind
    format: str
    mime_type: str


@dataclass(frozen=True)
class Signature:
    """One recognisable file type and the test on its leading bytes."""

    format: str
    kind: MediaKind
    mime_type: str
    description: str
    matches: Callable[[bytes], bool]


def _ftyp_brand(data: bytes, *brands: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in brands


def _is_mp3_frame(data: bytes) -> bool:
    return len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06 != 0


def _is_text(data: bytes) -> bool:
    probe = data[:_TEXT_PROBE]
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte sequence cut by the probe window is still text.
        if exc.start < len(probe) - 3 or len(data) <= _TEXT_PROBE:
            return False
    return not any(byte in _CONTROL for byte in probe)


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")

# Order matters: specific tests first, the plain-text fallback last.
SIGNATURES: tuple[Signature, ...] = (
    Signature("jpeg", MediaKind.IMAGE, "image/jpeg", "JPEG image", lambda d: d[:3] == b"\xff\xd8\xff"),
    Signature("png", MediaKind.IMAGE, "image/png", "PNG image", lambda d: d[:8] == b"\x89PNG\r\n\x1a\n"),
    Signature("webp", MediaKind.IMAGE, "image/webp", "WebP image", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WEBP"),
    Signature("gif", MediaKind.IMAGE, "image/gif", "GIF image", lambda d: d[:6] in (b"GIF87a", b"GIF89a")),
    Signature("tiff", MediaKind.IMAGE, "image/tiff", "TIFF image", lambda d: d[:4] in (b"II*\x00", b"MM\x00*")),
    Signature("bmp", MediaKind.IMAGE, "image/bmp", "BMP image", lambda d: d[:2] == b"BM" and len(d) >= 26),
    Signature("avif", MediaKind.IMAGE, "image/avif", "AVIF image", lambda d: _ftyp_brand(d, b"avif", b"avis")),
    Signature("heif", MediaKind.IMAGE, "image/heif", "HEIF image", lambda d: _ftyp_brand(d, *_HEIF_BRANDS)),
    Signature("mov", MediaKind.VIDEO, "video/quicktime", "QuickTime movie", lambda d: _ftyp_brand(d, b"qt  ")),
    Signature("m4a", MediaKind.AUDIO, "audio/mp4", "MPEG-4 audio", lambda d: _ftyp_brand(d, b"M4A ", b"M4B ")),
    Signature("mp4", MediaKind.VIDEO, "video/mp4", "MP4 video", lambda d: d[4:8] == b"ftyp"),
    Signature(
        "webm",
        MediaKind.VIDEO,
        "video/webm",
        "WebM video",
        lambda d: d[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in d[:64],
    ),
    Signature("mkv", MediaKind.VIDEO, "video/x-matroska", "Matroska video", lambda d: d[:4] == b"\x1a\x45\xdf\xa3"),
    Signature(
        "avi", MediaKind.VIDEO, "video/x-msvideo", "AVI video", lambda d: d[:4] == b"RIFF" and d[8:12] == b"AVI "
    ),
    Signature("wav", MediaKind.AUDIO, "audio/wav", "WAV audio", lambda d: d[:4] == b"RIFF" and d[8:12] == b"WAVE"),
    Signature("mp3", MediaKind.AUDIO, "audio/mpeg", "MP3 audio", lambda d: d[:3] == b"ID3" or _is_mp3_frame(d)),
    Signature("flac", MediaKind.AUDIO, "audio/flac", "FLAC audio", lambda d: d[:4] == b"fLaC"),
    Signature("ogg", MediaKind.AUDIO, "audio/ogg", "Ogg media", lambda d: d[:4] == b"OggS"),
    Signature("pdf", MediaKind.DOCUMENT, "application/pdf", "PDF document", lambda d: d[:5] == b"%PDF-"),
    Signature(
        "zip",
        MediaKind.DOCUMENT,
        "application/zip",
        "ZIP archive (or an OOXML document)",
        lambda d: d[:4] in (b"PK\x03\x04", b"PK\x05\x06"),
    ),
    Signature("text", MediaKind.TEXT, "text/plain", "plain UTF-8 text", _is_text),
)


_OOXML_MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def _refine(signature: Signature, data: bytes) -> Signature:
    """A zip that is an OOXML document, or text that is Markdown, named as such (the whole file is read)."""
    if signature.format == "zip":
        import io
        import zipfile

        from clearmark.media.documents.docx import ooxml_flavour

        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError):
            return signature
        flavour = ooxml_flavour(names)
        if flavour is not None:
            return Signature(
                flavour, MediaKind.DOCUMENT, _OOXML_MIME[flavour], f"{flavour.upper()} document", signature.matches
            )
    if signature.format == "text":
        from clearmark.media.documents.markdown import looks_like_markdown

        if looks_like_markdown(data[:_MARKDOWN_PROBE].decode("utf-8", errors="ignore")):
            return Signature("markdown", MediaKind.TEXT, "text/markdown", "Markdown text", signature.matches)
    return signature


def _handled(format_name: str) -> bool:
    from clearmark.media.documents.registry import DOCUMENT_CONTAINERS

    return format_name in CONTAINERS or format_name in DOCUMENT_CONTAINERS


def sniff_format(data: bytes) -> FormatInfo:
    """Identify content from its leading bytes (a zip's member names and a text's syntax for documents).

    Text is Markdown when it opens with YAML front matter, or when its first 4 KiB show two
    different Markdown constructs of which one is an ATX heading, a code fence or a link.

    Raises:
        InvalidMedia: empty or unrecognised bytes.
        UnsupportedFormat: a recognised type that no registered container handles yet.
    """
    if not data:
        raise InvalidMedia("content is empty")
    for candidate in SIGNATURES:
        if candidate.matches(data):
            signature = _refine(candidate, data)
            if not _handled(signature.format):
                raise UnsupportedFormat(
                    f"content is {signature.description} ({signature.mime_type}), which is not supported yet"
                )
            return FormatInfo(signature.kind, signature.format, signature.mime_type)
    raise InvalidMedia(f"content of {len(data)} bytes is not a recognised file type")
