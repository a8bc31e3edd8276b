"""Diversion checks on the contact view: trigger + handle funnels, ids, phones, emails, disguised and short URLs.

Handles, triggers, short-link hosts and spelled-out dots come from the pack's vocabularies and are
found with one Aho-Corasick pass; the regular expressions run only at those positions (and, for
phone numbers and emails, over the digits and ``@`` signs the view holds). A QQ or WeChat id
counts only with a trigger ("加", "+", "私", "联系", "扫" …) nearby.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ahocorasick

from clearmark.campaign.rules import Diversion
from clearmark.campaign.tables import ITEM_BREAK, ViewTables
from clearmark.campaign.views import View, code_points, contact_view

# The id each platform's handle may be followed by, in the contact view (lower case).
ID_PATTERNS: dict[str, str] = {
    "wechat": r"[a-z][-_a-z0-9]{5,19}|1[3-9]\d{9}",
    "qq": r"[1-9]\d{4,10}",
    "telegram": r"@?[a-z][a-z0-9_]{4,31}",
}
_ID_LEAD = r"[\s:=]*(?:号码|号|id|账号)?[\s:=]*"
# Patterns start with literals so the regex engine can skip ahead; the left boundary is checked in code.
PHONE = re.compile(r"1[3-9](?:[\s.\-]?\d){9}(?!\d)")
_LABEL_BEFORE = re.compile(r"([a-z0-9][a-z0-9\-]{1,62})\s{0,2}$")
EMAIL_AROUND_AT = re.compile(r"[a-z0-9._%+\-]{1,64}@[a-z0-9\-]{1,63}(?:\.[a-z0-9\-]{1,63})*\.[a-z]{2,12}")
_ENGLISH_WORDS = frozenset({"the", "a", "an", "of", "and", "to", "in", "is", "on", "at", "it", "this", "that"})


@dataclass(frozen=True, slots=True)
class DiversionHit:
    """A diversion found: label, strength, original span, the normalised value, extra transforms."""

    label: str
    strong: bool
    start: int
    end: int
    value: str
    transforms: tuple[str, ...] = ()


class DiversionMatcher:
    """The pack's diversion vocabularies compiled for the contact view."""

    def __init__(self, diversion: Diversion, window: int, tables: ViewTables) -> None:
        self.window = window
        self.qrcode_prefixes = diversion.qrcode_prefixes
        self.automaton = ahocorasick.Automaton()
        self.ids = {name: re.compile(_ID_LEAD + f"({pattern})(?![a-z0-9_])") for name, pattern in ID_PATTERNS.items()}
        words: dict[str, list[tuple[str, str]]] = {}

        def fold(word: str) -> str:
            return contact_view(code_points(word), tables).text.strip()

        self.triggers = ahocorasick.Automaton()
        trigger_words = {fold(w): (len(fold(w)), False) for w in diversion.not_triggers}
        trigger_words.update({fold(w): (len(fold(w)), True) for w in diversion.triggers})
        for word, value in trigger_words.items():
            if word:
                self.triggers.add_word(word, value)
        self.triggers.make_automaton()
        self.trigger_reach = max((len(w) for w in trigger_words), default=1) + 1
        latin: dict[str, str] = {}  # all-letter handles ("v", "qq", "tg"): one regex with word boundaries
        for platform, handles in diversion.handles:
            for handle in handles:
                folded = fold(handle)
                if folded.isascii() and folded.isalpha():
                    latin.setdefault(folded, platform)
                else:
                    words.setdefault(folded, []).append(("handle", platform))
        self.latin_platform = latin
        self.latin_handles = re.compile(
            "(" + "|".join(map(re.escape, sorted(latin, key=len, reverse=True))) + r")(?![a-z])"
        ) if latin else None
        for host in diversion.short_link_hosts:
            words.setdefault(fold(host) + "/", []).append(("host", host))
        dots = sorted({fold(d) for d in diversion.spelled_dots if fold(d)}, key=len, reverse=True)
        suffixes = "|".join(map(re.escape, diversion.url_suffixes))
        # label, a spelled-out dot, a domain suffix: one regex pass (ASCII labels fail fast on Chinese text)
        self.spelled = re.compile(
            "(" + "|".join(map(re.escape, dots)) + r")\s{0,2}(" + suffixes + r")(?![a-z0-9])"
        )
        for word, values in words.items():
            if word:
                self.automaton.add_word(word, (len(word), tuple(values)))
        self.automaton.make_automaton()

    def scan(self, view: View) -> list[DiversionHit]:
        """Every diversion in a contact view (items joined with ITEM_BREAK never pair across it)."""
        text = view.text
        handles: list[tuple[int, int, str]] = []
        hits: list[DiversionHit] = []
        for end, (length, values) in self.automaton.iter(text):
            a, b = end + 1 - length, end + 1
            glued = a > 0 and text[a].isascii() and _ascii_letter(text[a]) and _ascii_letter(text[a - 1])
            for kind, detail in values:
                if glued:
                    continue
                if kind == "handle":
                    if b < len(text) and _ascii_letter(text[b - 1]) and _ascii_letter(text[b]):
                        continue
                    handles.append((a, b, detail))
                elif kind == "host":
                    hits.append(self._short_link(view, a, b))
        if self.latin_handles is not None:
            platform_of = self.latin_platform
            handles += [
                (m.start(), m.end(), platform_of[m.group(1)])
                for m in self.latin_handles.finditer(text)
                if m.start() == 0 or not _ascii_letter(text[m.start() - 1])
            ]
        hits += self._spelled_urls(view)
        handles = _longest(handles)
        contacts: list[tuple[int, int]] = []
        for a, b, platform in handles:
            match = self.ids[platform].match(text, b)
            if (b - a == 1 and match is None) or not self._triggered(text, a, b):
                continue  # a one-letter handle ("v", "微") without an id, or no trigger near
            if match is not None:
                start, stop = view.span(a, match.end())
                hits.append(DiversionHit(f"diversion.contact.{platform}", True, start, stop, match.group(1)))
                contacts.append((a, match.end()))
            else:
                start, stop = view.span(a, b)
                hits.append(DiversionHit(f"diversion.contact.{platform}", False, start, stop, text[a:b]))
        for match in PHONE.finditer(text):
            if match.start() > 0 and text[match.start() - 1].isdigit():
                continue
            if any(a <= match.start() and match.end() <= b for a, b in contacts):
                continue  # the phone number is the id of a handle already reported
            start, stop = view.span(match.start(), match.end())
            value = re.sub(r"\D", "", match.group())
            strong = self._triggered(text, match.start(), match.end())
            hits.append(DiversionHit("diversion.contact.phone", strong, start, stop, value))
        at = text.find("@")
        while at != -1:
            window_start = max(0, at - 64)
            for match in EMAIL_AROUND_AT.finditer(text, window_start, min(len(text), at + 256)):
                if match.start() <= at < match.end():
                    start, stop = view.span(match.start(), match.end())
                    strong = self._triggered(text, match.start(), match.end())
                    hits.append(DiversionHit("diversion.contact.email", strong, start, stop, match.group()))
                    break
            at = text.find("@", at + 1)
        return hits

    def classify_qr(self, payload: str) -> DiversionHit:
        """What a decoded QR payload is: an app's contact card or group, another link, or plain text."""
        folded = payload.strip().lower()
        bare = re.sub(r"^https?://", "", folded)
        for platform, prefixes in self.qrcode_prefixes:
            if any(bare.startswith(p) for p in prefixes):
                return DiversionHit(f"diversion.qrcode.{platform}", True, 0, len(payload), payload[:200])
        if re.match(r"^[a-z][a-z0-9+.-]*://", folded) or re.match(r"^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+/", folded):
            return DiversionHit("diversion.qrcode.url", False, 0, len(payload), payload[:200])
        return DiversionHit("diversion.qrcode.text", False, 0, len(payload), payload[:200])

    def _triggered(self, text: str, a: int, b: int) -> bool:
        """A trigger ends at most ``window`` characters before ``a`` or starts within 3 after ``b``, same item.

        A trigger inside a longer ordinary word ("参加", "增加") does not count.
        """
        low = max(0, a - self.window - self.trigger_reach)
        window = text[low:a]  # a slice: iter(text, start, end) costs a pass over the whole text
        found = [(low + end + 1 - length, low + end, trig) for end, (length, trig) in self.triggers.iter(window)]
        covered = {i for start, end, is_trigger in found if not is_trigger for i in range(start, end + 1)}
        closest = max(
            (end + 1 for start, end, is_trigger in found if is_trigger and not (start in covered and end in covered)),
            default=-1,
        )
        if closest >= a - self.window and closest >= 0 and ITEM_BREAK not in text[closest:a]:
            return True
        after = text[b : b + 3 + self.trigger_reach]
        for end, (length, is_trigger) in self.triggers.iter(after):
            if is_trigger and end + 1 - length <= 3 and ITEM_BREAK not in after[: end + 1 - length]:
                return True
        return False

    def _short_link(self, view: View, a: int, b: int) -> DiversionHit:
        text = view.text
        stop = b
        while stop < len(text) and (text[stop].isascii() and (text[stop].isalnum() or text[stop] in "-_")):
            stop += 1
        start, end = view.span(a, stop)
        return DiversionHit("diversion.url.short_link", False, start, end, text[a:stop])

    def _spelled_urls(self, view: View) -> list[DiversionHit]:
        """Domains written with a spelled-out dot: "abc点com", "abc dot net", "abc(.)cn", "abc。top"."""
        hits = []
        text = view.text
        for match in self.spelled.finditer(text):
            dot, suffix = match.groups()
            low = max(0, match.start() - 66)
            before = _LABEL_BEFORE.search(text, low, match.start())
            if before is None or dot == ".":
                continue
            label, left = before.group(1), text[before.start(1) - 1 : before.start(1)]
            if (left.isascii() and left.isalnum()) or left == "-" or label in _ENGLISH_WORDS:
                continue  # a longer label than the window, or an English word before "dot"
            start, stop = view.span(before.start(1), match.end(2))
            value = f"{label}.{suffix}"
            hits.append(DiversionHit("diversion.url.spelled_dot", True, start, stop, value, ("spelled_dot",)))
        return hits


def _longest(handles: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Of overlapping handle matches ("纸飞机" and "飞机"), the longest."""
    ordered = sorted(handles, key=lambda h: (h[0], -(h[1] - h[0])))
    kept: list[tuple[int, int, str]] = []
    for handle in ordered:
        if kept and handle[0] < kept[-1][1]:
            continue
        kept.append(handle)
    return kept


def _ascii_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()
