"""The adversarial corpus hits with the expected labels, spans and transforms; the clean corpus never BLOCKs."""

from __future__ import annotations

import pytest
from bench.bench_campaign_corpus import flagged_labels, load_corpus

from clearmark.campaign import CampaignChecker, TextItem
from clearmark.core.enums import Suggestion

ADVERSARIAL = load_corpus("adversarial")
CLEAN = load_corpus("clean")


def test_the_corpora_are_large_and_cover_every_technique() -> None:
    techniques = {case["technique"].split("+")[0].split(".")[0] for case in ADVERSARIAL}
    transforms = {e["transform"] for case in ADVERSARIAL for e in case["expect"]}
    assert len(ADVERSARIAL) >= 300 and len(CLEAN) >= 300
    assert {"plain", "zero_width", "separator", "traditional", "homophone", "radical", "width", "confusable",
            "latin_whole_word", "diversion", "style_letter"} <= techniques
    assert {"width", "style_letter", "numeral", "zero_width", "separator", "traditional", "homophone", "radical",
            "confusable", "spelled_dot"} <= transforms
    assert {c["kind"] for c in CLEAN} == {"news", "chat", "product", "english", "address", "address_en"}


@pytest.fixture(scope="module")
def adversarial_verdicts(checker: CampaignChecker) -> list:
    return checker.check_each([TextItem(case["text"]) for case in ADVERSARIAL])


@pytest.mark.parametrize("index", range(len(ADVERSARIAL)), ids=[c["id"] for c in ADVERSARIAL])
def test_adversarial_case(index: int, adversarial_verdicts: list) -> None:
    case, verdict = ADVERSARIAL[index], adversarial_verdicts[index]
    assert flagged_labels(verdict) == {e["label"] for e in case["expect"]}, case["text"]
    for expected in case["expect"]:
        finding = next(f for f in verdict.findings if f.label == expected["label"])
        assert finding.suggestion.name == expected["suggestion"]
        spans = {(h.location.text_start, h.location.text_end): h for h in finding.hits}
        hit = spans[tuple(expected["span"])]
        assert case["text"][hit.location.text_start : hit.location.text_end] == hit.text == expected["text"]
        if expected["transform"]:
            assert expected["transform"] in hit.transforms
            assert f"evasion.{expected['transform']}" in finding.modifiers


def test_homophone_and_radical_hits_alone_never_block(adversarial_verdicts: list) -> None:
    weak = [
        v for case, v in zip(ADVERSARIAL, adversarial_verdicts, strict=True)
        if case["technique"].startswith(("homophone", "radical"))
    ]
    assert weak and all(v.suggestion is Suggestion.REVIEW for v in weak)


def test_no_clean_text_is_blocked(checker: CampaignChecker) -> None:
    verdicts = checker.check_each([TextItem(case["text"]) for case in CLEAN])
    blocked = [case["text"] for case, v in zip(CLEAN, verdicts, strict=True) if v.suggestion is Suggestion.BLOCK]
    flagged = [case["text"] for case, v in zip(CLEAN, verdicts, strict=True) if flagged_labels(v)]
    assert blocked == []
    assert flagged == []
