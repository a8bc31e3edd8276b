"""Views fold evasions away and map every view character back to its original span."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.campaign.tables import pinyin_key, view_tables
from clearmark.campaign.views import (
    code_points,
    contact_view,
    keyword_view,
    pinyin_view,
    span_flags,
    transform_names,
    transforms_in,
)


@pytest.mark.parametrize(
    ("text", "folded", "transforms"),
    [
        ("ＡＢＣ１２３", "abc123", {"width"}),
        ("𝐩𝐨𝐫𝐧", "porn", {"style_letter"}),
        ("①③⑧❶➁", "13812", {"numeral"}),
        ("一三八零", "1380", {"numeral"}),
        ("色\u200b情", "色情", {"zero_width"}),
        ("傻@冒", "傻冒", {"separator"}),
        ("賭博", "赌博", {"traditional"}),
        ("рorn", "porn", {"confusable"}),
    ],
)
def test_keyword_view_folds_each_evasion(text: str, folded: str, transforms: set[str]) -> None:
    cps = code_points(text)
    view, _ = keyword_view(cps)
    assert view.text == folded
    assert set(transforms_in(cps, 0, len(text), view_tables().keyword)) == transforms


def test_offsets_point_back_at_the_original_characters() -> None:
    text = "前缀 Ｖ❤信 ⑩號"
    cps = code_points(text)
    view, _ = keyword_view(cps)
    assert view.text == "前缀v信10号"
    a = view.text.index("v信")
    assert text[slice(*view.span(a, a + 2))] == "Ｖ❤信"
    ten = view.text.index("10")
    assert view.span(ten, ten + 2) == (text.index("⑩"), text.index("⑩") + 1)  # one circled char, two digits


def test_contact_view_keeps_url_and_id_punctuation() -> None:
    view = contact_view(code_points("ｗｗｗ．ａｂｃ。com ／ a_b-c：1"))
    assert view.text == "www.abc。com / a_b-c:1"


def test_pinyin_view_has_one_syllable_per_character() -> None:
    cps = code_points("威信ab")
    keyword, keyword_cps = keyword_view(cps)
    view = pinyin_view(keyword, keyword_cps)
    assert view.text == pinyin_key("微信") + "ab" != pinyin_key("微博")
    assert view.span(0, 1) == (0, 1) and view.span(1, 2) == (1, 2)


def test_views_of_ten_megabytes_are_array_operations() -> None:
    cps = np.full(1_000_000, ord("好"), dtype=np.int64)
    view, _ = keyword_view(cps)
    assert len(view.text) == 1_000_000 and int(view.starts[-1]) == 999_999


def test_span_flags_match_per_span_transforms() -> None:
    tables = view_tables()
    text = "ＡＢＣ 網賭 色\u200b情 ①③ plain 傻@冒"
    cps = code_points(text)
    spans = [(a, b) for a in range(len(text)) for b in range(a + 1, min(len(text), a + 6) + 1)]
    bits = span_flags(cps, [a for a, _ in spans], [b for _, b in spans], tables.keyword)
    for (a, b), value in zip(spans, bits, strict=True):
        assert transform_names(value) == transforms_in(cps, a, b, tables.keyword)
    assert span_flags(cps, [], [], tables.keyword) == []
