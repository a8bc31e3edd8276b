"""Text views with offset maps: each view undoes some evasions and maps every character back to the original.

A view is a string plus, for each of its characters, the original span ``[starts[i], ends[i])`` it
came from, so a match ``[a, b)`` in any view is the original span ``[starts[a], ends[b - 1])``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from clearmark.campaign.tables import TRANSFORM_NAMES, CharMap, Transform, ViewTables, view_tables


@dataclass(frozen=True)
class View:
    """One view of a text: the folded string and where each of its characters came from."""

    name: str
    text: str
    starts: np.ndarray
    ends: np.ndarray

    def span(self, a: int, b: int) -> tuple[int, int]:
        """The original span of the view slice ``[a, b)``."""
        return int(self.starts[a]), int(self.ends[b - 1])


def code_points(text: str) -> np.ndarray:
    """The code points of a string as an int64 array (one C-level decode)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)


def _from_code_points(cps: np.ndarray) -> str:
    return cps.astype(np.uint32).tobytes().decode("utf-32-le", "surrogatepass")


def _mapped(name: str, cps: np.ndarray, table: CharMap) -> tuple[View, np.ndarray]:
    out, source = table.apply(cps)
    return View(name, _from_code_points(out), source, source + 1), out


def keyword_view(cps: np.ndarray, tables: ViewTables | None = None) -> tuple[View, np.ndarray]:
    """NFKC, width, case, traditional, numerals and confusables folded; separators and zero-width dropped."""
    return _mapped("keyword", cps, (tables or view_tables()).keyword)


def contact_view(cps: np.ndarray, tables: ViewTables | None = None) -> View:
    """The keyword folding, but whitespace and ``_ - . : / @ +`` kept, for handles, ids and URLs."""
    return _mapped("contact", cps, (tables or view_tables()).contact)[0]


def pinyin_view(keyword: View, keyword_cps: np.ndarray, tables: ViewTables | None = None) -> View:
    """The keyword view with each Han character replaced by its syllable (one code point per syllable)."""
    out = (tables or view_tables()).pinyin.flat[(tables or view_tables()).pinyin.start[keyword_cps]]
    return View("pinyin", _from_code_points(out), keyword.starts, keyword.ends)


def radical_view(
    keyword: View,
    keyword_cps: np.ndarray,
    compositions: dict[tuple[str, ...], str],
    components: tuple[np.ndarray, np.ndarray],
) -> tuple[View, np.ndarray] | None:
    """Split characters recombined (氵去 -> 法); None when the text holds no known split.

    ``components`` are two bool masks over code points: first and second components of the
    compositions, so candidate pairs are found with two lookups.
    Returns the view and a bool array marking its recombined characters.
    """
    if not compositions or keyword_cps.size < 2:
        return None
    firsts, seconds = components
    candidates = np.flatnonzero(firsts[keyword_cps[:-1]] & seconds[keyword_cps[1:]])
    if candidates.size == 0:
        return None
    text = keyword.text
    chars, starts, ends, composed = [], [], [], []
    position = 0
    for i in candidates.tolist():
        if i < position:
            continue
        for width in (3, 2):
            parts = tuple(text[i : i + width])
            if len(parts) == width and parts in compositions:
                chars.append(text[position:i] + compositions[parts])
                starts.append(keyword.starts[position : i + 1])
                ends.append(np.append(keyword.ends[position:i], keyword.ends[i + width - 1]))
                composed.append(np.append(np.zeros(i - position, dtype=bool), True))
                position = i + width
                break
    if not chars:
        return None
    chars.append(text[position:])
    starts.append(keyword.starts[position:])
    ends.append(keyword.ends[position:])
    composed.append(np.zeros(len(text) - position, dtype=bool))
    view = View("radical", "".join(chars), np.concatenate(starts), np.concatenate(ends))
    return view, np.concatenate(composed)


def transforms_in(
    cps: np.ndarray, start: int, end: int, table: CharMap, flagged: np.ndarray | None = None
) -> tuple[str, ...]:
    """The names of the transforms that fired on the original characters ``[start, end)``.

    ``flagged`` (the sorted positions of characters the table transforms) lets a span without any
    be answered by one binary search.
    """
    if flagged is not None:
        first = int(np.searchsorted(flagged, start))
        if first >= flagged.size or flagged[first] >= end:
            return ()
    bits = int(np.bitwise_or.reduce(table.flags[cps[start:end]])) if end > start else 0
    if not bits:
        return ()
    return tuple(name for flag, name in TRANSFORM_NAMES.items() if bits & flag)


def span_flags(cps: np.ndarray, starts: list[int], ends: list[int], table: CharMap) -> list[int]:
    """The ``Transform`` bits ``table`` undoes in each original span ``[starts[i], ends[i])``, all spans at once.

    Only the characters inside the spans are looked up (one gather and one ``reduceat``), so
    thousands of hits in a 10 MB text cost a few array operations, not one per hit.
    """
    if not starts:
        return []
    low, high = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    lengths = np.maximum(high - low, 1)
    offsets = np.cumsum(lengths) - lengths
    positions = np.repeat(low - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
    bits = np.bitwise_or.reduceat(table.flags[cps[np.minimum(positions, cps.size - 1)]], offsets)
    bits[high <= low] = 0
    return bits.tolist()


@functools.cache
def transform_names(bits: int) -> tuple[str, ...]:
    """The names of the transforms in a set of ``Transform`` bits, in ``TRANSFORM_NAMES`` order."""
    return tuple(name for flag, name in TRANSFORM_NAMES.items() if bits & flag)


def gap_is_word_break(cps: np.ndarray, start: int, end: int, tables: ViewTables | None = None) -> bool:
    """True when the original characters ``[start, end)`` a view dropped include a visible separator."""
    if end <= start:
        return False
    return not bool((tables or view_tables()).zero_width[cps[start:end]].all())


__all__ = [
    "Transform",
    "View",
    "code_points",
    "contact_view",
    "gap_is_word_break",
    "keyword_view",
    "pinyin_view",
    "radical_view",
    "span_flags",
    "transform_names",
    "transforms_in",
]
