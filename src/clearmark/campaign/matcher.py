"""Rule matching: a pack compiled into Aho-Corasick automata over the keyword, pinyin and radical views.

Terms are folded through the same keyword view as the text, so a rule written "微信" also finds
"微 信", "徾信" and "ｗｅｉ信" spellings the view undoes. Latin terms match whole words only; a
pinyin or radical hit is reported only when the keyword view did not already see the term.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import ahocorasick_rs
import numpy as np

from clearmark.campaign.rules import Rule, RulePack
from clearmark.campaign.tables import CODE_SPACE, ITEM_BREAK, ViewTables, decompositions, pinyin_key, view_tables
from clearmark.campaign.views import (
    View,
    code_points,
    gap_is_word_break,
    keyword_view,
    pinyin_view,
    radical_view,
)


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule term found: original span, the view that saw it, the folded text it matched."""

    rule: int
    start: int
    end: int
    view: str
    normalized: str


def fold_term(term: str, tables: ViewTables | None = None) -> str:
    """A term as the keyword view sees it."""
    return keyword_view(code_points(term), tables)[0].text


def fold_terms(terms: list[str], tables: ViewTables | None = None) -> list[str]:
    """Many terms folded in one view build (20,000 terms in well under a second)."""
    if not terms:
        return []
    joined = ITEM_BREAK.join(t.replace(ITEM_BREAK, "") for t in terms)
    return keyword_view(code_points(joined), tables)[0].text.split(ITEM_BREAK)


def _is_word_char(char: str) -> bool:
    return char.isascii() and char.isalnum()


class TermAutomaton:
    """Folded terms -> their rule entries, compiled into one Aho-Corasick automaton (ahocorasick-rs).

    ``iter`` reports every occurrence, overlapping ones included, as ``(end_index, entries)`` in
    pyahocorasick's order (by end, the longest term first); the Rust automaton walks a 10 MB text
    about three times as fast as ``ahocorasick.Automaton.iter`` and hands back all matches at once.
    """

    def __init__(self, terms: dict[str, tuple[_Entry, ...]]) -> None:
        self._keys = list(terms)
        self._values = [terms[key] for key in self._keys]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(self._keys, matchkind=ahocorasick_rs.MatchKind.Standard) if self._keys else None
        )

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self) -> list[str]:
        """The terms."""
        return self._keys

    def iter(self, text: str) -> list[tuple[int, tuple[_Entry, ...]]]:
        """Every occurrence of a term in ``text``: ``(index of its last character, its entries)``."""
        if self._automaton is None:
            return []
        matches = self._automaton.find_matches_as_indexes(text, overlapping=True)
        matches.sort(key=lambda match: (match[2], match[1]))
        values = self._values
        return [(end - 1, values[index]) for index, _, end in matches]


@dataclass(frozen=True)
class _Entry:
    rule: int
    folded: str
    exception: bool
    latin_start: bool
    latin_end: bool


class CompiledPack:
    """A rule pack ready to scan: its automata, radical compositions and folded allow list.

    Raises:
        RulePackError: (from ``verify``) a rule's own tests fail.
    """

    def __init__(self, pack: RulePack, tables: ViewTables | None = None) -> None:
        self.pack = pack
        self.tables = tables or view_tables()
        entries: dict[str, list[_Entry]] = {}
        pinyin_entries: dict[str, list[_Entry]] = {}
        radical_chars: set[str] = set()
        listed = [
            (index, term, exception)
            for index, rule in enumerate(pack.rules)
            for term, exception in [(t, False) for t in rule.terms] + [(t, True) for t in rule.exceptions]
        ]
        folded_terms = fold_terms([term for _, term, _ in listed], self.tables)
        for (index, _, exception), folded in zip(listed, folded_terms, strict=True):
            rule = pack.rules[index]
            if not folded:
                continue
            entry = _Entry(index, folded, exception, _is_word_char(folded[0]), _is_word_char(folded[-1]))
            entries.setdefault(folded, []).append(entry)
            if exception:
                continue
            if "pinyin" in rule.views and (key := pinyin_key(folded)):
                pinyin_entries.setdefault(key, []).append(entry)
            if "radical" in rule.views:
                radical_chars.update(folded)
        self.keyword = TermAutomaton({key: tuple(values) for key, values in entries.items()})
        self.pinyin = TermAutomaton({key: tuple(values) for key, values in pinyin_entries.items()})
        self.compositions = self._compositions(radical_chars)
        self.radical = TermAutomaton(
            {
                key: tuple(e for e in values if "radical" in pack.rules[e.rule].views)
                for key, values in entries.items()
                if any("radical" in pack.rules[e.rule].views for e in values) and any(c in radical_chars for c in key)
            }
        )
        self.components = (np.zeros(CODE_SPACE, dtype=bool), np.zeros(CODE_SPACE, dtype=bool))
        for parts in self.compositions:
            self.components[0][ord(parts[0])] = True
            self.components[1][ord(parts[1])] = True
        self.radical_reach = max((len(k) for k in self.radical.keys()), default=0)
        self.allow = frozenset(fold_term(t, self.tables) for t in pack.allow_terms)

    @staticmethod
    def _compositions(chars: set[str]) -> dict[tuple[str, ...], str]:
        table = decompositions()
        found: dict[tuple[str, ...], str] = {}
        for char in sorted(chars):
            for parts in table.get(char, ()):
                if char not in parts:  # "冰" = "冰" + "水" would fold every 冰水
                    found.setdefault(parts, char)
        return found

    def rule(self, index: int) -> Rule:
        """The rule at ``index``."""
        return self.pack.rules[index]

    def scan(self, cps: np.ndarray, keyword: View, keyword_cps: np.ndarray) -> list[RuleHit]:
        """Every rule hit in a text (given as code points and its keyword view), exceptions applied."""
        hits, exceptions = self._scan_view(keyword, self.keyword, cps)
        seen = {(h.rule, h.start, h.end) for h in hits}
        if len(self.pinyin) and self.tables.han[keyword_cps].any():
            hits += self._homophones(keyword, keyword_cps, seen)
        if len(self.radical):
            built = radical_view(keyword, keyword_cps, self.compositions, self.components)
            if built is not None:
                view, composed = built
                found, _ = self._scan_view(view, self.radical, cps, composed)
                hits += [h for h in found if (h.rule, h.start, h.end) not in seen]
        excepted: dict[int, list[tuple[int, int]]] = {}
        for rule, start, stop in exceptions:
            excepted.setdefault(rule, []).append((start, stop))
        allow = self.allow
        return [
            h
            for h in hits
            if h.normalized not in allow
            and not (h.rule in excepted and any(a <= h.start and h.end <= b for a, b in excepted[h.rule]))
        ]

    def _windows(self, composed: np.ndarray, length: int) -> list[tuple[int, int]]:
        """Stretches of the radical view around its recombined characters, merged; only they can hold a new hit."""
        reach = self.radical_reach
        windows: list[tuple[int, int]] = []
        for index in np.flatnonzero(composed).tolist():
            low, high = max(0, index - reach), min(length, index + reach + 1)
            if windows and low <= windows[-1][1]:
                windows[-1] = (windows[-1][0], high)
            else:
                windows.append((low, high))
        return windows

    def _scan_view(
        self, view: View, automaton: TermAutomaton, cps: np.ndarray, composed: np.ndarray | None = None
    ) -> tuple[list[RuleHit], list[tuple[int, int, int]]]:
        if not len(automaton):
            return [], []
        hits: list[RuleHit] = []
        exceptions: list[tuple[int, int, int]] = []
        text = view.text
        windows = [(0, len(text))] if composed is None else self._windows(composed, len(text))
        matches = (
            (low + end, entries) for low, high in windows for end, entries in automaton.iter(text[low:high])
        )
        for end, entries in matches:
            first = entries[0]
            a, b = end - len(first.folded) + 1, end + 1
            if composed is not None and not composed[a:b].any():
                continue
            if (first.latin_start or first.latin_end) and not self._whole_word(view, cps, a, b, first):
                continue
            start, stop = view.span(a, b)
            for entry in entries:
                if entry.exception:
                    exceptions.append((entry.rule, start, stop))
                else:
                    hits.append(RuleHit(entry.rule, start, stop, view.name, entry.folded))
        return hits, exceptions

    def _whole_word(self, view: View, cps: np.ndarray, a: int, b: int, entry: _Entry) -> bool:
        """Latin terms: no letter or digit glued on either side, no visible gap inside."""
        text = view.text
        if entry.latin_start and a > 0 and _is_word_char(text[a - 1]):
            if not gap_is_word_break(cps, int(view.ends[a - 1]), int(view.starts[a]), self.tables):
                return False
        if entry.latin_end and b < len(text) and _is_word_char(text[b]):
            if not gap_is_word_break(cps, int(view.ends[b - 1]), int(view.starts[b]), self.tables):
                return False
        starts, ends = view.starts[a + 1 : b], view.ends[a : b - 1]
        if b - a < 2 or bool((starts == ends).all()):
            return True  # no character dropped inside the term
        for low, high in zip(ends.tolist(), starts.tolist(), strict=True):
            if high > low and any(chr(c).isspace() for c in cps[low:high].tolist()):
                return False
        return True

    def _homophones(self, keyword: View, keyword_cps: np.ndarray, seen: set[tuple[int, int, int]]) -> list[RuleHit]:
        view = pinyin_view(keyword, keyword_cps, self.tables)
        hits = []
        for end, entries in self.pinyin.iter(view.text):
            b = end + 1
            a = b - len(entries[0].folded)
            start, stop = view.span(a, b)
            for entry in entries:
                if (entry.rule, start, stop) in seen:
                    continue
                hits.append(RuleHit(entry.rule, start, stop, "pinyin", entry.folded))
        return hits

    def self_test(self) -> Iterator[str]:
        """Failures of the rules' own tests: a ``tests.hit`` text it misses or a ``tests.miss`` text it hits."""
        for index, rule in enumerate(self.pack.rules):
            for text, expected in [(t, True) for t in rule.tests_hit] + [(t, False) for t in rule.tests_miss]:
                cps = code_points(text)
                keyword, keyword_cps = keyword_view(cps, self.tables)
                found = any(h.rule == index for h in self.scan(cps, keyword, keyword_cps))
                if found != expected:
                    yield f"{rule.id}: {'missed' if expected else 'hit'} its test text {text!r}"


__all__ = ["ITEM_BREAK", "CompiledPack", "RuleHit", "fold_term"]
