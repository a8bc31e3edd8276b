"""Detector of generation-tool fingerprints in metadata: PNG text chunks, EXIF fields and XMP properties.

Every text field of the file is read (PNG chunks after IDAT too) and matched against the rule pack
in ``fingerprint_rules``; a match is a ``fingerprint.<tool>`` signal whose location and attributes
give the exact evidence: carrier, byte offset, chunk keyword, the matched text and an excerpt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import fingerprint_kind
from clearmark.core.signals import Signal
from clearmark.detectors.fingerprint_rules import (
    FINGERPRINT_RULES,
    GENERATOR_NAMES,
    RULE_PACK,
    RULE_PACK_VERSION,
    SOFTWARE_FIELDS,
    FingerprintRule,
)
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.fields import TextField
from clearmark.media.xmp import NS_DC, NS_XMP

NS_TIFF = "http://ns.adobe.com/tiff/1.0/"
NS_EXIF = "http://ns.adobe.com/exif/1.0/"
NS_XMP_MM = "http://ns.adobe.com/xap/1.0/mm/"
MAX_SIGNALS = 32
EXCERPT_CHARS = 160
SOFTWARE_NAME_CONFIDENCE = 0.8
# XMP properties read, by the field name rules use.
XMP_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("xmp:xmp:CreatorTool", NS_XMP, "CreatorTool"),
    ("xmp:tiff:Software", NS_TIFF, "Software"),
    ("xmp:dc:description", NS_DC, "description"),
    ("xmp:exif:UserComment", NS_EXIF, "UserComment"),
)


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its patterns compiled once."""

    rule: FingerprintRule
    patterns: tuple[re.Pattern[str], ...]
    captures: tuple[re.Pattern[str], ...]


def _compile(rule: FingerprintRule) -> CompiledRule:
    return CompiledRule(
        rule,
        tuple(re.compile(p, re.S) for p in rule.patterns),
        tuple(re.compile(p, re.S) for p in rule.captures),
    )


_RULES = tuple(_compile(rule) for rule in FINGERPRINT_RULES)
_RULES_BY_FIELD: dict[str, tuple[CompiledRule, ...]] = {}
for _compiled in _RULES:
    for _field in _compiled.rule.fields:
        _RULES_BY_FIELD[_field] = (*_RULES_BY_FIELD.get(_field, ()), _compiled)
# Word boundaries where a name starts or ends with an ASCII letter or digit; CJK names need none.
_START = r"(?:(?<![A-Za-z0-9])(?=[A-Za-z0-9])|(?=[^\x00-\x7f]))"
_END = r"(?:(?<=[A-Za-z0-9])(?![A-Za-z0-9])|(?<=[^\x00-\x7f]))"
_NAMES = tuple((tool, re.compile(rf"{_START}(?:{pattern}){_END}", re.I)) for tool, pattern in GENERATOR_NAMES)
_SOFTWARE_FIELDS = frozenset(SOFTWARE_FIELDS)


def xmp_fields(asset: Asset) -> Iterator[TextField]:
    """The XMP properties in XMP_FIELDS plus ``xmpMM:History`` software agents, from every readable packet."""
    for packet in asset.metadata.xmp_packets:
        if packet.document is None:
            continue
        for name, namespace, prop in XMP_FIELDS:
            for value in packet.document.get_all(namespace, prop):
                yield TextField(name, value, packet.location)
        for agent in _software_agents(packet.span.packet):
            yield TextField("xmp:xmpMM:softwareAgent", agent, packet.location)


_AGENT = re.compile(rb"softwareAgent(?:=\"|>)([^\"<]{1,200})")


def _software_agents(packet: bytes) -> list[str]:
    """``stEvt:softwareAgent`` values of the edit history (attribute or element form)."""
    return [m.group(1).decode("utf-8", errors="replace") for m in _AGENT.finditer(packet)]


def match_field(field: TextField) -> tuple[FingerprintRule, re.Match[str], dict[str, str]] | None:
    """The first rule (in pack order) whose patterns all match the field, with its first match and captures."""
    for compiled in _RULES_BY_FIELD.get(field.name, ()):
        matches = [p.search(field.text) for p in compiled.patterns]
        if all(matches):
            captured: dict[str, str] = {}
            for capture in compiled.captures:
                found = capture.search(field.text)
                if found:
                    captured.update({k: v.strip() for k, v in found.groupdict().items() if v})
            first = matches[0]
            assert first is not None
            return compiled.rule, first, captured
    return None


def match_software_name(text: str) -> tuple[str, re.Match[str]] | None:
    """The generator a software name field names (word-bounded), or None."""
    for tool, pattern in _NAMES:
        found = pattern.search(text)
        if found:
            return tool, found
    return None


def _excerpt(text: str, start: int) -> str:
    begin = max(0, start - 40)
    return text[begin : begin + EXCERPT_CHARS].replace("\r", " ").replace("\n", "⏎")


class GeneratorFingerprintDetector:
    """Reports metadata written by generation tools (A1111, ComfyUI, InvokeAI, Fooocus, NovelAI, Midjourney …)."""

    name = "fingerprint.metadata"
    version = RULE_PACK_VERSION
    kinds = frozenset({MediaKind.IMAGE})

    def detect(self, asset: Asset) -> list[Signal]:
        reader = asset.spec.fields
        fields = list(reader(asset.data, asset.limits)) if reader else []
        fields += list(xmp_fields(asset))
        signals = []
        for field in fields:
            signal = self.signal_for(field)
            if signal is not None:
                signals.append(signal)
            if len(signals) >= MAX_SIGNALS:
                break
        return signals

    def signal_for(self, field: TextField) -> Signal | None:
        """The fingerprint signal of one field, or None when no rule matches it."""
        matched = match_field(field)
        if matched is not None:
            rule, first, captured = matched
            return self._signal(field, rule.tool, rule.rule_id, rule.confidence, first, captured, rule.description)
        if field.name in _SOFTWARE_FIELDS:
            named = match_software_name(field.text)
            if named is not None:
                tool, found = named
                description = f"{field.name} names a generation tool"
                return self._signal(field, tool, "software.name", SOFTWARE_NAME_CONFIDENCE, found, {}, description)
        return None

    def _signal(
        self,
        field: TextField,
        tool: str,
        rule_id: str,
        confidence: float,
        found: re.Match[str],
        captured: dict[str, str],
        description: str,
    ) -> Signal:
        location = field.location
        where = f"{location.carrier} at byte {location.byte_offset}" if location.byte_offset is not None else field.name
        return Signal(
            source=self.name,
            kind=fingerprint_kind(tool),
            confidence=confidence,
            rule_id=f"{RULE_PACK}.{rule_id}",
            rule_version=self.version,
            category_hint=Category.AI_SUSPECTED,
            location=location,
            message=f"{tool} fingerprint in {where}: {found.group(0)[:80]!r}",
            attributes=(
                ("tool", tool),
                ("field", field.name),
                ("matched", found.group(0)[:200]),
                ("excerpt", _excerpt(field.text, found.start())),
                ("rule", description),
                *field.details,
                *sorted(captured.items()),
            ),
        )


@register_detector(GeneratorFingerprintDetector.name)
def _build(context: DetectorContext) -> GeneratorFingerprintDetector:
    return GeneratorFingerprintDetector()
