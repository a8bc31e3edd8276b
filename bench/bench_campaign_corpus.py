"""Precision and recall per label of the campaign checks on the adversarial and clean corpora.

``python -m bench.run campaign_corpus`` prints the table recorded in docs/benchmarks.md. A case
counts a label as found when a finding with that label suggests REVIEW or BLOCK; the clean corpus
contributes false positives only.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from clearmark.campaign import CampaignChecker, TextItem
from clearmark.core.enums import Suggestion
from clearmark.core.signals import CampaignVerdict

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "campaign" / "corpus"


def load_corpus(name: str) -> list[dict]:
    """The cases of ``adversarial.jsonl`` or ``clean.jsonl``."""
    path = CORPUS_DIR / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def flagged_labels(verdict: CampaignVerdict) -> set[str]:
    """Labels of the findings that ask for REVIEW or BLOCK."""
    return {f.label for f in verdict.findings if f.suggestion >= Suggestion.REVIEW}


@dataclass(frozen=True)
class LabelScore:
    """Counts and ratios of one label."""

    label: str
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def score_corpora(checker: CampaignChecker) -> tuple[list[LabelScore], int, int]:
    """Per-label scores over both corpora, plus the clean texts that got BLOCK and that got REVIEW."""
    adversarial, clean = load_corpus("adversarial"), load_corpus("clean")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    verdicts = checker.check_each([TextItem(c["text"]) for c in adversarial])
    for case, verdict in zip(adversarial, verdicts, strict=True):
        expected = {e["label"] for e in case["expect"]}
        found = flagged_labels(verdict)
        tp.update(expected & found)
        fn.update(expected - found)
        fp.update(found - expected)
    clean_verdicts = checker.check_each([TextItem(c["text"]) for c in clean])
    blocked = reviewed = 0
    for verdict in clean_verdicts:
        fp.update(flagged_labels(verdict))
        blocked += verdict.suggestion is Suggestion.BLOCK
        reviewed += verdict.suggestion is Suggestion.REVIEW
    labels = sorted(set(tp) | set(fp) | set(fn))
    return [LabelScore(label, tp[label], fp[label], fn[label]) for label in labels], blocked, reviewed


def run(repeats: int = 1) -> str:
    """The Markdown table of precision and recall per label."""
    checker = CampaignChecker()
    scores, blocked, reviewed = score_corpora(checker)
    adversarial, clean = load_corpus("adversarial"), load_corpus("clean")
    lines = [
        f"### Campaign corpora ({len(adversarial)} adversarial cases, {len(clean)} clean texts, "
        f"pack {checker.policy_version})",
        "",
        "| label | TP | FP | FN | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {s.label} | {s.true_positives} | {s.false_positives} | {s.false_negatives} "
            f"| {s.precision:.3f} | {s.recall:.3f} |"
        )
    total = LabelScore(
        "all",
        sum(s.true_positives for s in scores),
        sum(s.false_positives for s in scores),
        sum(s.false_negatives for s in scores),
    )
    lines.append(
        f"| **all** | {total.true_positives} | {total.false_positives} | {total.false_negatives} "
        f"| {total.precision:.3f} | {total.recall:.3f} |"
    )
    lines += ["", f"Clean texts suggested BLOCK: {blocked}; REVIEW: {reviewed} of {len(clean)}."]
    lines += ["", *heldout_lines(checker)]
    return "\n".join(lines) + "\n"


def heldout_lines(checker: CampaignChecker) -> list[str]:
    """Texts written after the rules and never used to tune them: labels per text, misses listed."""
    cases = load_corpus("heldout")
    verdicts = checker.check_each([TextItem(c["text"]) for c in cases])
    tp = fp = fn = 0
    wrong = []
    for case, verdict in zip(cases, verdicts, strict=True):
        expected, found = set(case["labels"]), flagged_labels(verdict)
        tp, fp, fn = tp + len(expected & found), fp + len(found - expected), fn + len(expected - found)
        if expected != found:
            wrong.append(f"`{case['text']}` found {sorted(found)}, expected {sorted(expected)}")
    precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return [
        f"Held-out texts ({len(cases)}, `heldout.jsonl`, not used to tune the pack): {tp} labels found, "
        f"{fp} false, {fn} missed; precision {precision:.3f}, recall {recall:.3f}. Wrong:",
        "",
        *(f"- {w}" for w in wrong),
    ]
