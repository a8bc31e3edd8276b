"""The GB 45438 label model: every JSON form seen in the wild parses; validation catches each defect."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clearmark.core.aigc import (
    FIELD_ORDER,
    AigcLabel,
    is_valid_field_value,
    label_problems,
    parse_label_json,
    producer_code_problems,
    uscc_check_digit_ok,
)

GOOD_CODE = "001191440300708461136T1XGW3"  # the spec's example; embeds USCC 91440300708461136T
LABEL = AigcLabel("1", GOOD_CODE, "CMABC", "", GOOD_CODE, "CMABC", "")


def test_serializes_seven_keys_in_order_bare_and_wrapped() -> None:
    bare = json.loads(LABEL.to_json())
    assert list(bare) == list(FIELD_ORDER)
    wrapped = json.loads(LABEL.to_json(wrapped=True))
    assert list(wrapped) == ["AIGC"] and list(wrapped["AIGC"]) == list(FIELD_ORDER)


@pytest.mark.parametrize(
    ("text", "wrapped", "escaped"),
    [
        (LABEL.to_json(), False, False),
        (LABEL.to_json(wrapped=True), True, False),
        (LABEL.to_json().replace('"', "&quot;"), False, True),
        (LABEL.to_json(wrapped=True).replace('"', "&#34;"), True, True),
        (json.dumps({"AIGC": LABEL.to_json()}), True, False),  # producers that nest a JSON string
        ("  " + LABEL.to_json() + "\x00", False, False),
    ],
)
def test_parses_every_form(text: str, wrapped: bool, escaped: bool) -> None:
    parsed = parse_label_json(text)
    assert parsed is not None
    assert parsed.label == LABEL
    assert parsed.wrapped is wrapped
    assert parsed.xml_escaped is escaped


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"foo": 1}', "{" * 100_000, '{"AIGC": 5}'])
def test_non_labels_are_none(text: str) -> None:
    assert parse_label_json(text) is None


def test_numbers_are_flagged_not_fatal() -> None:
    parsed = parse_label_json('{"Label": 1, "ContentProducer": "x"}')
    assert parsed is not None
    assert parsed.non_string_keys == ("Label",)
    assert parsed.label.label == "1"


def test_keys_out_of_order_and_extra_keys_are_reported() -> None:
    parsed = parse_label_json('{"ProduceID": "a", "Label": "1", "Extra": "x"}')
    assert parsed is not None
    assert parsed.keys_in_order == ("ProduceID", "Label")
    assert parsed.extra_keys == ("Extra",)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("ABC-123_x.y", True),
        ("has space", False),
        # Appendix E constrains the value as serialised in the label: a quote stands there as \" (allowed).
        ('quote"', True),
        ('{"SecurityData":{"Type":"TC260PG","Version":1}}', True),
        ('{"a": 1}', False),  # the space
        ("back\\slash", False),
        ('esc\\"aped', False),  # a literal backslash serialises as \\
        ("中文", False),
        ("", True),
        ("~!#$%", True),
    ],
)
def test_appendix_e_charset(value: str, ok: bool) -> None:
    assert is_valid_field_value(value) is ok


def test_label_value_and_charset_problems() -> None:
    problems = label_problems(AigcLabel("4", "bad name", "id"))
    assert {(p.field, p.code) for p in problems} == {("Label", "LABEL_VALUE"), ("ContentProducer", "CHARSET")}


@pytest.mark.parametrize(
    ("code", "codes"),
    [
        (GOOD_CODE, []),
        ("doubao", ["CODE_FORMAT"]),
        ("001191440300708461136T1XGW", ["CODE_FORMAT"]),  # 26 characters
        ("001191440300708461137T1XGW3", ["USCC_CHECK"]),  # one digit changed
    ],
)
def test_producer_codes(code: str, codes: list[str]) -> None:
    assert [p.code for p in producer_code_problems(code)] == codes


def test_uscc_check_digit_on_a_real_code() -> None:
    assert uscc_check_digit_ok("91440300708461136T")
    assert not uscc_check_digit_ok("91440300708461136X")


@settings(max_examples=300, derandomize=True)
@given(st.text(max_size=300))
def test_parser_never_raises(text: str) -> None:
    parse_label_json(text)


@settings(max_examples=200, derandomize=True)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters='"\\'), max_size=40
        ),
        min_size=7,
        max_size=7,
    )
)
def test_round_trip_of_valid_labels(values: list[str]) -> None:
    label = AigcLabel(*values)
    parsed = parse_label_json(label.to_json())
    assert parsed is not None and parsed.label == label
