"""Assets over sources: streamable formats may exceed the whole-file limit and are read in bounded windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import MediaTooLarge
from clearmark.core.kinds import SignalKind
from clearmark.detectors.c2pa_manifest import C2paManifestDetector
from clearmark.media import MediaLimits, Source, open_asset
from tests.media.samples import rgb, save

LIMITS = MediaLimits(max_bytes=64 * 1024, max_stream_bytes=4 * 1024 * 1024, max_text_chars=8 * 1024)


def _log(path: Path, lines: int) -> Path:
    with path.open("w", encoding="utf-8") as stream:
        stream.write("AI生成 first line\n")
        stream.writelines(f"line {i} 日志 ok\n" for i in range(lines))
        stream.write("last line 结束\n")
    return path


def test_large_text_is_read_as_head_and_tail_within_the_budget(tmp_path: Path) -> None:
    asset = open_asset(Source(path=_log(tmp_path / "big.txt", 20_000)), LIMITS)
    assert asset.size > LIMITS.max_bytes and asset.kind is MediaKind.TEXT
    text = asset.text
    assert text.truncated and len(text.text) <= LIMITS.max_text_chars + 1
    assert text.text.startswith("AI生成 first line") and text.text.endswith("last line 结束\n")
    assert text.source_offset(0) == 0  # the head keeps its offsets; the tail has none
    assert asset.info().size_bytes == asset.size and len(asset.info().sha256) == 64


def test_small_text_is_read_whole(tmp_path: Path) -> None:
    text = open_asset(Source(path=_log(tmp_path / "small.txt", 10)), LIMITS).text
    assert not text.truncated and text.text.count("\n") == 12


def test_whole_file_formats_keep_the_whole_file_limit() -> None:
    big_png = save(rgb(400, 300), "png")
    assert len(big_png) > 64 * 1024
    with pytest.raises(MediaTooLarge):
        open_asset(big_png, LIMITS)


def test_streamable_content_still_has_the_stream_limit(tmp_path: Path) -> None:
    with pytest.raises(MediaTooLarge):
        open_asset(Source(path=_log(tmp_path / "huge.txt", 300_000)), LIMITS)


def test_c2pa_is_not_read_past_the_whole_file_limit_and_says_so(tmp_path: Path) -> None:
    from tests.media.documents.samples import pdf_bytes

    pdf = pdf_bytes()
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf + b"\n%" + b"x" * (LIMITS.max_bytes + 10) + b"\n")
    asset = open_asset(Source(path=path), LIMITS)
    [signal] = C2paManifestDetector().detect(asset)
    assert signal.kind == SignalKind.C2PA_NOT_VALIDATED and "max_media_bytes" in signal.message
