"""Policy: strongest evidence wins, conflicts become findings, the campaign verdict is the strictest."""

from __future__ import annotations

import pytest

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Category, Suggestion
from clearmark.core.signals import Signal
from clearmark.service.policy import DEFAULT_RULES, PolicyRules, campaign_verdict, decide


def label_signal(value: str, carrier: str = "xmp", problems: str = "") -> Signal:
    hint = {"1": Category.AI_GENERATED, "2": Category.AI_POSSIBLE, "3": Category.AI_SUSPECTED}.get(
        value, Category.NO_SIGNAL
    )
    return Signal(
        source="gb45438.metadata",
        kind="aigc.metadata_label",
        confidence=1.0,
        rule_id="r",
        rule_version="1",
        category_hint=hint,
        label=AigcLabel(value),
        attributes=(("carrier", carrier), ("standard_carrier", "true"), ("problems", problems)),
    )


def iptc(term: str, ai: bool) -> Signal:
    return Signal(
        source="iptc",
        kind="iptc.digital_source_type",
        confidence=0.9,
        rule_id="r",
        rule_version="1",
        category_hint=Category.AI_SUSPECTED if ai else Category.NO_SIGNAL,
        attributes=(("value", term), ("term", term), ("capture", str(not ai).lower())),
    )


@pytest.mark.parametrize(
    ("signals", "declared", "category"),
    [
        ((), False, Category.NO_SIGNAL),
        ((), True, Category.AI_POSSIBLE),
        ((iptc("trainedAlgorithmicMedia", True),), False, Category.AI_SUSPECTED),
        ((iptc("trainedAlgorithmicMedia", True),), True, Category.AI_POSSIBLE),
        ((label_signal("3"),), True, Category.AI_POSSIBLE),
        ((label_signal("1"), iptc("trainedAlgorithmicMedia", True)), False, Category.AI_GENERATED),
        ((label_signal("2"),), False, Category.AI_POSSIBLE),
        ((label_signal("9"),), False, Category.NO_SIGNAL),
    ],
)
def test_category_table(signals: tuple[Signal, ...], declared: bool, category: Category) -> None:
    assert decide(signals, user_declared=declared).category is category


def test_conflicts_and_unlabelled_traces_are_findings() -> None:
    conflict = decide((label_signal("1"), iptc("digitalCapture", False)))
    assert "aigc.conflict.source_type" in {f.label for f in conflict.findings}
    unlabelled = decide((iptc("trainedAlgorithmicMedia", True),))
    assert {f.label for f in unlabelled.findings} == {"aigc.unlabelled"}
    verdict = campaign_verdict(unlabelled.findings, "req-9")
    assert verdict.suggestion is Suggestion.REVIEW and verdict.request_id == "req-9"
    assert "diversion.*" in verdict.not_evaluated


def test_single_label_only_when_exactly_one() -> None:
    assert decide((label_signal("1"),)).aigc_label == AigcLabel("1")
    two = decide((label_signal("1", "a"), label_signal("1", "b")))
    assert two.aigc_label is None and "aigc.duplicate_label" in {f.label for f in two.findings}


def test_clean_content_passes_and_policy_version_tracks_rules() -> None:
    assert campaign_verdict((), "").suggestion is Suggestion.PASS
    changed = PolicyRules(trace_min_confidence=0.95)
    assert changed.version != DEFAULT_RULES.version
    assert DEFAULT_RULES.version == PolicyRules().version


def test_a_strong_trace_keeps_its_own_category() -> None:
    manifest = Signal(
        source="c2pa.manifest",
        kind="c2pa.manifest",
        confidence=1.0,
        rule_id="r",
        rule_version="1",
        category_hint=Category.AI_GENERATED,
    )
    assert decide((manifest,)).category is Category.AI_GENERATED
