"""The format registry: one spec per format, read by every table; nothing outside the format modules names formats."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import UnsupportedFormat
from clearmark.media import Source, all_formats, format_for_mime, format_named, sniff_format, supported_formats

SOURCE = Path(__file__).parents[2] / "src" / "clearmark"
# Format modules and the internals they share (OOXML package, PDF font and update helpers, audio containers,
# the PyAV video codec layer, which names FFmpeg's muxers).
FORMAT_HOMES = (
    SOURCE / "media" / "formats",
    SOURCE / "media" / "documents",
    SOURCE / "media" / "audio",
    SOURCE / "media" / "video",
    SOURCE / "v1",
)
# Format names that are also ordinary words in other roles ("text" is a field name everywhere).
AMBIGUOUS = {"text"}


def _format_words() -> set[str]:
    names = {spec.name for spec in all_formats()} - AMBIGUOUS
    return names | {mime for spec in all_formats() for mime in spec.mime_types}


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_no_module_outside_the_format_registry_lists_formats() -> None:
    words = _format_words()
    offenders = [
        f"{path.relative_to(SOURCE)}:{line}: {value!r}"
        for path in SOURCE.rglob("*.py")
        if not any(home in path.parents for home in FORMAT_HOMES)
        for line, value in _string_constants(path)
        if value in words
    ]
    assert offenders == [], "read the format's spec (clearmark.media.registry) instead of naming a format"


def test_names_and_mime_types_are_unique() -> None:
    specs = all_formats()
    assert len({spec.name for spec in specs}) == len(specs)
    mimes = [mime for spec in specs for mime in spec.mime_types]
    assert len(set(mimes)) == len(mimes)


@pytest.mark.parametrize("spec", supported_formats(), ids=lambda spec: spec.name)
def test_every_supported_format_is_complete(spec) -> None:  # noqa: ANN001
    assert spec.container is not None
    if spec.kind is MediaKind.IMAGE:
        assert spec.pixels is not None and spec.label_carrier
    elif spec.kind in (MediaKind.AUDIO, MediaKind.VIDEO):  # samples and frames go through PyAV, not a spec codec
        assert spec.label_carrier and spec.streamable
    else:
        assert spec.text is not None
    assert format_named(spec.name) is spec
    assert format_for_mime(spec.mime_type.upper() + "; charset=x") is spec


def test_unknown_names_are_refused() -> None:
    with pytest.raises(UnsupportedFormat):
        format_named("nope")
    assert format_for_mime("application/x-nope") is None


# Sniffing decides by structure, not by a prefix that can end mid-header.
def test_markdown_front_matter_longer_than_the_probe_is_markdown() -> None:
    front = "---\n" + "".join(f"key{i}: value number {i}\n" for i in range(6000)) + "---\n"
    assert len(front) > 65536
    assert sniff_format((front + "Body text.\n").encode()).name == "markdown"


def test_utf16_text_is_not_taken_for_mp3() -> None:
    with pytest.raises(UnsupportedFormat, match="UTF-16"):
        sniff_format("AI生成的文本".encode("utf-16"))


def test_one_mpeg_sync_word_is_not_mp3() -> None:
    # An MPEG frame header claims a 417-byte frame, but no second frame follows it: not MP3.
    fake = b"\xff\xfb\x90\x64" + bytes(500)
    with pytest.raises(Exception) as raised:
        sniff_format(fake)
    assert "MP3" not in str(raised.value)


def test_sniffing_a_file_reads_only_what_it_needs(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as stream:
        stream.write("日志行 log line\n".encode() * 200_000)
    assert sniff_format(Source(path=path)).name == "text"


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>AI</text></svg>',
        b'\xef\xbb\xbf  <svg xmlns="http://www.w3.org/2000/svg"/>',
        b"<!-- drawn by hand -->\n<svg/>",
    ],
)
def test_svg_is_refused_not_taken_for_plain_text(svg: bytes) -> None:
    with pytest.raises(UnsupportedFormat, match="SVG"):
        sniff_format(svg)


def test_plain_xml_that_is_not_svg_stays_text() -> None:
    assert sniff_format(b'<?xml version="1.0"?>\n<note>hello</note>\n').name == "text"


def test_every_video_format_declares_its_frame_size_to_memory_admission() -> None:
    """Admission sizes video by its declared frame; a video format without a reader would be sized by its bytes."""
    video = [spec for spec in supported_formats() if spec.kind is MediaKind.VIDEO]
    assert {spec.name for spec in video} >= {"mp4", "mov", "webm", "mkv"}
    assert [spec.name for spec in video if spec.frame_size is None] == []
