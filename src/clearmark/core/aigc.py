"""The GB 45438 seven-field metadata label: parsing its JSON forms, validating, serializing in order."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, fields, replace

FIELD_ORDER: tuple[str, ...] = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
LABEL_VALUES: frozenset[str] = frozenset({"1", "2", "3"})

# Appendix E: printable ASCII without space, '"' or '\' (an escaped '\"' is tolerated by readers).
_FIELD_CHARSET = re.compile(r'^(?:[\x21\x23-\x5B\x5D-\x7E]|\\")*$')
_PRODUCER_CODE = re.compile(r"^00[0-9A-Z]{25}$")
# GB 32100 Unified Social Credit Code alphabet: digits and capitals without I, O, S, V, Z.
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MAX_FIELD_CHARS = 2048


@dataclass(frozen=True)
class AigcLabel:
    """One implicit metadata label; field names follow the standard's JSON keys in snake case."""

    label: str = ""
    content_producer: str = ""
    produce_id: str = ""
    reserved_code1: str = ""
    content_propagator: str = ""
    propagate_id: str = ""
    reserved_code2: str = ""

    def as_ordered_dict(self) -> dict[str, str]:
        """The seven keys in the standard's order."""
        return {key: getattr(self, _attr(key)) for key in FIELD_ORDER}

    def to_json(self, *, wrapped: bool = False) -> str:
        """Compact JSON, bare (``{"Label":…}``) or wrapped (``{"AIGC":{…}}``)."""
        body = self.as_ordered_dict()
        return json.dumps({"AIGC": body} if wrapped else body, separators=(",", ":"), ensure_ascii=True)

    def with_propagator(self, propagator: str, propagate_id: str, reserved_code2: str = "") -> AigcLabel:
        """A copy with the platform's fields set; producer fields are never touched."""
        return replace(self, content_propagator=propagator, propagate_id=propagate_id, reserved_code2=reserved_code2)


@dataclass(frozen=True)
class ParsedLabel:
    """What a reader made of one carrier's text: the label plus how it was written."""

    label: AigcLabel
    wrapped: bool
    keys_in_order: tuple[str, ...]
    extra_keys: tuple[str, ...]
    non_string_keys: tuple[str, ...]
    xml_escaped: bool


@dataclass(frozen=True)
class FieldProblem:
    """One problem found when validating a label."""

    field: str
    code: str
    description: str


def _attr(key: str) -> str:
    return {
        "Label": "label",
        "ContentProducer": "content_producer",
        "ProduceID": "produce_id",
        "ReservedCode1": "reserved_code1",
        "ContentPropagator": "content_propagator",
        "PropagateID": "propagate_id",
        "ReservedCode2": "reserved_code2",
    }[key]


def parse_label_json(text: str) -> ParsedLabel | None:
    """Parse a label in any form seen in the wild; None when the text is not a label.

    Accepts the bare seven-key object and the ``{"AIGC": {...}}`` wrapper, either XML-escaped
    (``&quot;``) or not, and values written as numbers (flagged in ``non_string_keys``).
    """
    raw = text.strip().strip("\x00")
    xml_escaped = "&quot;" in raw or "&#34;" in raw
    if xml_escaped:
        raw = html.unescape(raw)
    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    wrapped = False
    if isinstance(obj, dict) and "AIGC" in obj:
        inner = obj["AIGC"]
        if isinstance(inner, str):
            nested = parse_label_json(inner)
            return None if nested is None else replace(nested, wrapped=True)
        obj, wrapped = inner, True
    if not isinstance(obj, dict) or not any(key in obj for key in FIELD_ORDER):
        return None
    values: dict[str, str] = {}
    non_string: list[str] = []
    for key in FIELD_ORDER:
        value = obj.get(key, "")
        if not isinstance(value, str):
            non_string.append(key)
            value = "" if value is None else json.dumps(value)
        values[_attr(key)] = value
    return ParsedLabel(
        label=AigcLabel(**values),
        wrapped=wrapped,
        keys_in_order=tuple(k for k in obj if k in FIELD_ORDER),
        extra_keys=tuple(k for k in obj if k not in FIELD_ORDER),
        non_string_keys=tuple(non_string),
        xml_escaped=xml_escaped,
    )


def serialised(value: str) -> str:
    """A value as it stands in the label's JSON text (quotes escaped), which is what Appendix E constrains.

    A ReservedCode holding JSON (TC260 SecurityData) keeps its quotes as ``\\"`` there, which the
    character set allows; a raw space, a backslash or a non-ASCII character stays a violation.
    """
    return json.dumps(value, ensure_ascii=False)[1:-1]


def is_valid_field_value(value: str) -> bool:
    """True when the value, as serialised in the label, uses only the Appendix E character set."""
    return len(value) <= MAX_FIELD_CHARS and bool(_FIELD_CHARSET.match(serialised(value)))


def uscc_check_digit_ok(uscc: str) -> bool:
    """GB 32100 check digit of an 18-character Unified Social Credit Code."""
    if len(uscc) != 18 or any(ch not in _USCC_ALPHABET for ch in uscc):
        return False
    total = sum(_USCC_ALPHABET.index(ch) * w for ch, w in zip(uscc[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == uscc[17]


def producer_code_problems(code: str, *, field: str = "ContentProducer") -> list[FieldProblem]:
    """Problems of a 27-character PG-20252A provider code; empty when it conforms.

    The loose form is ``^00[0-9A-Z]{25}$``; the strict form also checks the embedded USCC
    (characters 5–22) against the GB 32100 alphabet and check digit.
    """
    if not _PRODUCER_CODE.match(code):
        return [FieldProblem(field, "CODE_FORMAT", f"{field} {code!r} is not a 27-character code ^00[0-9A-Z]{{25}}$")]
    if not uscc_check_digit_ok(code[4:22]):
        return [
            FieldProblem(field, "USCC_CHECK", f"{field} embeds USCC {code[4:22]!r} whose GB 32100 check digit is wrong")
        ]
    return []


def label_problems(label: AigcLabel) -> list[FieldProblem]:
    """Character-set, length and Label-value problems of a label (codes are checked separately)."""
    problems: list[FieldProblem] = []
    for spec in fields(AigcLabel):
        value = getattr(label, spec.name)
        key = next(k for k in FIELD_ORDER if _attr(k) == spec.name)
        if len(value) > MAX_FIELD_CHARS:
            problems.append(FieldProblem(key, "TOO_LONG", f"{key} has {len(value)} characters (max {MAX_FIELD_CHARS})"))
        elif not _FIELD_CHARSET.match(serialised(value)):
            problems.append(
                FieldProblem(
                    key,
                    "CHARSET",
                    f"{key} uses characters outside Appendix E (printable ASCII without space, '\"', '\\')",
                )
            )
    if label.label not in LABEL_VALUES:
        problems.append(FieldProblem("Label", "LABEL_VALUE", f'Label is {label.label!r}, expected "1", "2" or "3"'))
    return problems
