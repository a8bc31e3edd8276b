"""Build the bundled notice font: a reproducible fontTools subset of Noto Sans CJK SC Bold.

Source: Debian package fonts-noto-cjk 1:20220127+repack1-1, file
/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc (Noto Sans CJK 2.004, SIL OFL 1.1), face
index 2 = "Noto Sans CJK SC Bold". Coverage: printable ASCII, Latin-1 punctuation used in
Chinese text, general punctuation, CJK symbols and punctuation, half/full-width forms, GB 2312
row 1 (symbols), GB 2312 level-1 hanzi (3755 characters, bytes 0xB0A1-0xD7F9) and every character
of ``clearmark.labels.image_notice.SUGGESTED_WORDINGS``. Layout, vertical-metrics and hinting
tables are dropped (the renderer uses Pillow's basic layout). The head timestamp is kept from the
source so the output is byte-for-byte reproducible.

Usage: .venv/bin/python scripts/subset_font.py [--source PATH] [--force]
Afterwards update BUNDLED_FONT_SHA256 in src/clearmark/notice/font.py and the README.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

from clearmark.labels.image_notice import SUGGESTED_WORDINGS

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
SOURCE_SHA256 = "faa5f3656a78b2e2d450d27fe8382c778bc2b6bb5ea29c986664a6a435056ceb"
FACE_INDEX = 2
FACE_NAME = "Noto Sans CJK SC Bold"
OUTPUT = Path(__file__).resolve().parent.parent / "src/clearmark/assets/fonts/NotoSansSC-ClearMark-Bold.otf"
DROP_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG", "JSTF", "MATH"]


def gb2312_level1_hanzi() -> list[str]:
    """The 3755 level-1 hanzi of GB 2312 (rows 16-55, bytes 0xB0A1-0xD7F9), in code order."""
    chars = []
    for lead in range(0xB0, 0xD8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue  # 0xD7FA-0xD7FE are unassigned
    return chars


def gb2312_row1_symbols() -> list[str]:
    """GB 2312 row 1 (0xA1A1-0xA1FE): the punctuation and symbols of Chinese typesetting."""
    return [bytes((0xA1, trail)).decode("gb2312") for trail in range(0xA1, 0xFF)]


def wanted_codepoints() -> set[int]:
    """Every code point the subset should keep (those the source lacks are silently skipped)."""
    codepoints: set[int] = set(range(0x20, 0x7F))
    codepoints.update((0xA0, 0xA9, 0xAE, 0xB0, 0xB7, 0xD7, 0xF7))
    codepoints.update(range(0x2010, 0x2028))  # dashes, quotes, ellipsis
    codepoints.update(range(0x2030, 0x203C))  # per mille, primes, reference mark
    codepoints.update(range(0x3000, 0x3040))  # CJK symbols and punctuation
    codepoints.update(range(0xFF01, 0xFFEF))  # half-width and full-width forms
    hanzi = gb2312_level1_hanzi()
    if len(hanzi) != 3755:
        raise SystemExit(f"expected 3755 GB 2312 level-1 hanzi, decoded {len(hanzi)}")
    codepoints.update(ord(ch) for ch in hanzi + gb2312_row1_symbols())
    codepoints.update(ord(ch) for wording in SUGGESTED_WORDINGS for ch in wording)
    return codepoints


def build(source: Path, output: Path) -> str:
    """Subset ``source`` face FACE_INDEX into ``output``; returns the output's SHA-256."""
    font = TTFont(source, fontNumber=FACE_INDEX, recalcTimestamp=False, lazy=False)
    name = font["name"].getDebugName(4)
    if name != FACE_NAME:
        raise SystemExit(f"face {FACE_INDEX} of {source} is {name!r}, expected {FACE_NAME!r}")
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += DROP_TABLES
    options.hinting = False
    options.name_IDs = ["*"]  # keep copyright, licence and designer records
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.prune_unicode_ranges = True
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=sorted(wanted_codepoints()))
    subsetter.subset(font)
    output.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(output), options)
    return hashlib.sha256(output.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--force", action="store_true", help="accept a source whose SHA-256 differs")
    args = parser.parse_args(argv)
    source_sha = hashlib.sha256(args.source.read_bytes()).hexdigest()
    if source_sha != SOURCE_SHA256 and not args.force:
        print(
            f"{args.source} has SHA-256 {source_sha}, expected {SOURCE_SHA256}; use --force", file=sys.stderr
        )
        return 1
    digest = build(args.source, args.output)
    print(f"{args.output} {args.output.stat().st_size} bytes sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
