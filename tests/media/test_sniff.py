"""Sniffing from magic bytes: supported images, recognised-but-unsupported types, garbage."""

from __future__ import annotations

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, UnsupportedFormat
from clearmark.media import sniff_format
from clearmark.media.asset import open_asset
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.media.registry import supported_formats
from tests.conftest import IMAGE_SAMPLES
from tests.media.samples import FORMATS, rgb, save


@pytest.mark.parametrize("fmt", FORMATS)
def test_supported_images(fmt: str) -> None:
    info = sniff_format(save(rgb(), fmt))
    mime_type = {"heif": "image/heic"}.get(fmt, f"image/{fmt}")
    assert (info.kind, info.name, info.mime_type) == (MediaKind.IMAGE, fmt, mime_type)


def test_every_image_format_has_a_sample() -> None:
    """A newly registered image format is tested by the shared verb tests once it has a sample here."""
    registered = {spec.name for spec in supported_formats(MediaKind.IMAGE)}
    assert {"jpeg", "png", "webp", "gif", "tiff", "heif", "avif"} <= registered <= set(IMAGE_SAMPLES)


UNSUPPORTED = [
    (b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
    (b"RIFF\x24\x00\x00\x00AVI LIST", "AVI video"),
]


@pytest.mark.parametrize(("data", "description"), UNSUPPORTED)
def test_recognised_but_unsupported(data: bytes, description: str) -> None:
    with pytest.raises(UnsupportedFormat, match=description) as caught:
        sniff_format(data)
    assert caught.value.reason == "UNSUPPORTED_FORMAT"


MOVIES = [
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", MediaKind.VIDEO, "mp4", "video/mp4"),
    (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", MediaKind.VIDEO, "mp4", "video/mp4"),
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", MediaKind.VIDEO, "mov", "video/quicktime"),
    (b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isommp42", MediaKind.AUDIO, "m4a", "audio/mp4"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", MediaKind.IMAGE, "heif", "image/heic"),
]


@pytest.mark.parametrize(("data", "kind", "fmt", "mime_type"), MOVIES)
def test_movie_brands(data: bytes, kind: MediaKind, fmt: str, mime_type: str) -> None:
    spec = sniff_format(data + bytes(32))
    assert (spec.kind, spec.name, spec.mime_type) == (kind, fmt, mime_type)


def test_ftyp_of_no_known_family_is_not_guessed_as_mp4() -> None:
    with pytest.raises(InvalidMedia):
        sniff_format(b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01crx isom"[:-4] + b"crx " + bytes(32))


AUDIO = [
    (b"RIFF\x24\x00\x00\x00WAVEfmt ", "wav"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x00", "mp3"),
    (b"\xff\xfb\x90\x64\x00\x00", "mp3"),
    (b"fLaC\x00\x00\x00\x22", "flac"),
    (b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"fLaC\x00\x00\x00\x22", "flac"),  # as c2pa signs FLAC
    (b"OggS\x00\x02\x00\x00", "ogg"),
]


@pytest.mark.parametrize(("data", "fmt"), AUDIO)
def test_audio_is_sniffed_and_opened_by_the_verbs(data: bytes, fmt: str) -> None:
    spec = sniff_format(data)
    assert (spec.kind, spec.name) == (MediaKind.AUDIO, fmt)
    assert open_asset(data, DEFAULT_LIMITS).spec is spec


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x01\x02\x03\x04binary\xff\xfe", bytes(range(256)), b"\xc3\x28 invalid utf-8", b"text\x00with nul"],
)
def test_empty_or_unknown_is_invalid(data: bytes) -> None:
    with pytest.raises(InvalidMedia):
        sniff_format(data)


def test_multibyte_character_cut_by_the_probe_window_is_still_text() -> None:
    data = b"a" * 4095 + "生".encode() + b"more text"
    assert sniff_format(data).name == "text"


@pytest.mark.parametrize(
    ("data", "kind", "fmt"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", MediaKind.DOCUMENT, "pdf"),
        ("AI生成的内容。\nplain text\n".encode(), MediaKind.TEXT, "text"),
        (b"---\ntitle: x\n---\n# Heading\n", MediaKind.TEXT, "markdown"),
    ],
)
def test_text_and_documents_are_supported(data: bytes, kind: MediaKind, fmt: str) -> None:
    info = sniff_format(data)
    assert (info.kind, info.name) == (kind, fmt)


def test_only_the_bytes_matter() -> None:
    # A PNG is a PNG whatever a client claims; there is no parameter for a claim at all.
    assert sniff_format(save(rgb(), "png")).name == "png"
    with pytest.raises(InvalidMedia):
        sniff_format(b"\x89PNX" + save(rgb(), "png")[4:])
