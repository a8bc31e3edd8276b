"""Tests of the bundled notice font: checksum, coverage, licence files and the loader's refusals."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from clearmark.core.errors import ClearMarkError
from clearmark.notice.font import (
    BUNDLED_FONT_SHA256,
    NoticeFont,
    NoticeFontError,
    bundled_font_path,
    load_notice_font,
    read_cmap_codepoints,
)
from clearmark.notice.glyphs import SUGGESTED_WORDINGS


def gb2312_level1() -> list[str]:
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def test_bundled_file_matches_pinned_checksum_and_is_small() -> None:
    path = bundled_font_path()
    data = path.read_bytes()
    assert hashlib.sha256(data).hexdigest() == BUNDLED_FONT_SHA256
    assert len(data) < 3_000_000
    assert path.parent.name == "fonts" and path.parent.parent.name == "assets"


def test_licence_and_readme_ship_beside_the_font() -> None:
    fonts_dir = bundled_font_path().parent
    licence = (fonts_dir / "LICENSE-OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence
    readme = (fonts_dir / "README.md").read_text(encoding="utf-8")
    assert BUNDLED_FONT_SHA256 in readme and "Noto Sans CJK SC Bold" in readme


def test_load_is_cached_and_verified(notice_font: NoticeFont) -> None:
    assert load_notice_font() is notice_font
    assert notice_font.sha256 == BUNDLED_FONT_SHA256
    assert notice_font.at(20) is notice_font.at(20)
    assert notice_font.at(20).size == 20


@pytest.mark.parametrize("size", [0, -1, 5000, 1.5, True])
def test_at_rejects_bad_sizes(notice_font: NoticeFont, size: object) -> None:
    with pytest.raises(ValueError):
        notice_font.at(size)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "chars"),
    [
        ("printable ASCII", "".join(map(chr, range(0x20, 0x7F)))),
        ("CJK punctuation", "，。、；：？！“”‘’（）《》【】…—·「」『』〔〕"),
        ("full-width forms", "ＡＩａｉ０９！？（）"),
        ("GB 2312 level 1", "".join(gb2312_level1())),
        ("suggested wordings", "".join(SUGGESTED_WORDINGS)),
    ],
)
def test_coverage(notice_font: NoticeFont, name: str, chars: str) -> None:
    assert notice_font.missing_characters(chars) == "", name


def test_gb2312_level1_has_3755_hanzi() -> None:
    assert len(gb2312_level1()) == 3755


def test_cmap_reader_agrees_with_fonttools(notice_font: NoticeFont) -> None:
    ttlib = pytest.importorskip("fontTools.ttLib")
    expected = set(ttlib.TTFont(str(notice_font.path))["cmap"].getBestCmap())
    assert notice_font.codepoints == frozenset(expected)


def test_tampered_copy_is_refused(tmp_path: Path) -> None:
    data = bytearray(bundled_font_path().read_bytes())
    data[len(data) // 2] ^= 0xFF
    tampered = tmp_path / "tampered.otf"
    tampered.write_bytes(bytes(data))
    with pytest.raises(NoticeFontError, match="SHA-256"):
        load_notice_font(tampered)


def test_wrong_expected_checksum_is_refused() -> None:
    with pytest.raises(NoticeFontError, match="expected 0{64}") as info:
        load_notice_font(bundled_font_path(), sha256="0" * 64)
    assert isinstance(info.value, ClearMarkError) and info.value.reason == "NOTICE_FONT_INVALID"


def test_injected_copy_with_matching_checksum_loads(tmp_path: Path) -> None:
    copy = tmp_path / "copy.otf"
    shutil.copyfile(bundled_font_path(), copy)
    font = load_notice_font(copy)
    assert font.path == copy.resolve() and font.sha256 == BUNDLED_FONT_SHA256


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NoticeFontError, match="cannot read"):
        load_notice_font(tmp_path / "absent.otf")


@pytest.mark.parametrize("content", [b"not a font at all", b"ttcf" + bytes(60), b"\x00\x01\x00\x00" + bytes(8)])
def test_non_font_with_matching_checksum_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.otf"
    path.write_bytes(content)
    with pytest.raises(NoticeFontError, match="not a usable"):
        load_notice_font(path, sha256=hashlib.sha256(content).hexdigest())


def test_read_cmap_rejects_collections() -> None:
    with pytest.raises(ValueError, match="collection"):
        read_cmap_codepoints(b"ttcf" + bytes(32))
