"""Policy: turns detector signals into the Art. 6 category, findings and the campaign verdict."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from clearmark.campaign.content import FINDING_KIND as CAMPAIGN_FINDING_KIND
from clearmark.campaign.content import SUMMARY_KIND as CAMPAIGN_SUMMARY_KIND
from clearmark.campaign.content import finding_from_signal
from clearmark.campaign.context import CONTEXT_CHECKS, CampaignContext
from clearmark.campaign.rules import ContextRules
from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Category, Suggestion
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import CampaignVerdict, Finding, Signal
from clearmark.service.registry.perceptual import RECORD_MISMATCH

LABEL_KIND = SignalKind.METADATA_LABEL
MALFORMED_LABEL_KIND = SignalKind.METADATA_LABEL_MALFORMED
# Our mark present, but the content is not what was marked (a copied mark): a finding, never a category.
CONTENT_MISMATCH = "watermark.content_mismatch"
# A label naming a producer this deployment stamps for, with a ProduceID no Stamp issued, unsigned.
UNKNOWN_PRODUCE_ID = "aigc.unknown_produce_id"


@dataclass(frozen=True)
class PolicyRules:
    """The thresholds and routing of findings; data, hashed into ``policy_version``."""

    pack: str = "clearmark-aigc"
    pack_version: str = "2026.11.1"
    trace_min_confidence: float = 0.5
    suggestion_by_finding: tuple[tuple[str, Suggestion], ...] = (
        ("aigc.duplicate_label", Suggestion.REVIEW),
        ("aigc.malformed_label", Suggestion.REVIEW),
        ("aigc.invalid_field", Suggestion.REVIEW),
        ("aigc.label_shape", Suggestion.REVIEW),
        ("aigc.nonstandard_carrier", Suggestion.PASS),
        ("aigc.conflict.source_type", Suggestion.REVIEW),
        ("aigc.unlabelled", Suggestion.REVIEW),
        ("aigc.notice_removed", Suggestion.REVIEW),
        ("media.xmp_malformed", Suggestion.PASS),
        ("media.claim_mismatch", Suggestion.PASS),
        ("c2pa.invalid_manifest", Suggestion.REVIEW),
        ("c2pa.manifest_removed", Suggestion.REVIEW),
        ("c2pa.not_validated", Suggestion.PASS),
        ("c2pa.ingredient_invalid", Suggestion.REVIEW),
        ("aigc.security_data_invalid", Suggestion.REVIEW),
        ("aigc.conflict.c2pa", Suggestion.REVIEW),
        (CONTENT_MISMATCH, Suggestion.REVIEW),
        (RECORD_MISMATCH, Suggestion.REVIEW),
        (UNKNOWN_PRODUCE_ID, Suggestion.REVIEW),
    )
    # The labels the campaign verdict routes: labelling findings and the campaign package's own.
    campaign_prefixes: tuple[str, ...] = ("aigc.", "c2pa.", "content.", "diversion.", "evasion.", "minors.", "news.")
    # Reported when content was not run through the campaign's text rules (audio, video for now).
    unchecked_content: tuple[str, ...] = ("diversion.*", "content.*", "evasion.*")

    @property
    def version(self) -> str:
        """A short hash of every rule and threshold: changes whenever the policy does."""
        blob = json.dumps(asdict(self), sort_keys=True, default=str).encode()
        return f"{self.pack}@{self.pack_version}#{hashlib.sha256(blob).hexdigest()[:12]}"

    def suggestion(self, label: str) -> Suggestion:
        """The routing suggestion of a finding label."""
        return dict(self.suggestion_by_finding).get(label, Suggestion.REVIEW)


DEFAULT_RULES = PolicyRules()

# Signals that are findings by themselves: kind -> (finding label, rule id). A signal with a
# ``present`` attribute becomes a finding only when it says "false" (a recorded notice now gone).
FINDING_BY_SIGNAL: dict[str, tuple[str, str]] = {
    SignalKind.NOTICE_RECORDED: ("aigc.notice_removed", "gb45438.explicit.image"),
    SignalKind.C2PA_MANIFEST_INVALID: ("c2pa.invalid_manifest", "c2pa.validation"),
    SignalKind.C2PA_MANIFEST_MISSING: ("c2pa.manifest_removed", "c2pa.manifest_removed"),
    SignalKind.XMP_MALFORMED: ("media.xmp_malformed", "xmp.parse"),
    SignalKind.CONTENT_CLAIM_MISMATCH: ("media.claim_mismatch", "media.sniff.claim"),
    SignalKind.C2PA_NOT_VALIDATED: ("c2pa.not_validated", "c2pa.size_limit"),
    SignalKind.C2PA_INGREDIENT_INVALID: ("c2pa.ingredient_invalid", "c2pa.ingredient_validation"),
    SignalKind.SECURITY_DATA_INVALID: ("aigc.security_data_invalid", "tc260.pg202511a"),
}


@dataclass(frozen=True)
class Decision:
    """What policy concluded from the signals."""

    category: Category
    findings: tuple[Finding, ...]
    aigc_label: AigcLabel | None
    label_signals: tuple[Signal, ...]
    # Explicit notices that are the label of a format without a metadata place (plain text).
    notice_labels: tuple[Signal, ...] = ()


def _finding(rules: PolicyRules, label: str, message: str, evidence: list[str], rule_id: str) -> Finding:
    return Finding(
        label=label,
        message=message,
        suggestion=rules.suggestion(label),
        rule_id=rule_id,
        evidence=tuple(evidence),
    )


def label_shape_problems(signal: Signal) -> list[str]:
    """What Verify's key checks fail on a label signal: missing or extra keys, their order, non-string values.

    Inspect reports the same problems as findings, so the two never disagree.
    """
    problems = []
    if missing := signal.attribute(Attr.MISSING_KEYS):
        problems.append(f"missing keys {missing}")
    if extra := signal.attribute(Attr.EXTRA_KEYS):
        problems.append(f"extra keys {extra}")
    if signal.attribute(Attr.KEYS_IN_ORDER) == "false":
        problems.append("keys not in the standard's order")
    if non_string := signal.attribute(Attr.NON_STRING_KEYS):
        problems.append(f"non-string values {non_string}")
    return problems


def _label_findings(rules: PolicyRules, labels: list[Signal], malformed: list[Signal]) -> list[Finding]:
    findings: list[Finding] = []
    if len(labels) + len(malformed) > 1:
        carriers = [s.attribute(Attr.CARRIER) for s in labels + malformed]
        findings.append(
            _finding(
                rules,
                "aigc.duplicate_label",
                f"{len(carriers)} metadata labels in one file (exactly one allowed)",
                carriers,
                "gb45438.6.1c",
            )
        )
    for signal in malformed:
        findings.append(
            _finding(
                rules,
                "aigc.malformed_label",
                signal.message,
                [signal.attribute(Attr.CARRIER)],
                "gb45438.appendix_e.json",
            )
        )
    for signal in labels:
        problems = [p for p in signal.attribute(Attr.PROBLEMS).split(";") if p]
        if problems:
            findings.append(
                _finding(
                    rules,
                    "aigc.invalid_field",
                    f"label fields do not conform: {', '.join(problems)}",
                    [signal.attribute(Attr.CARRIER), *problems],
                    "gb45438.appendix_e.fields",
                )
            )
        shape = label_shape_problems(signal)
        if shape:
            findings.append(
                _finding(
                    rules,
                    "aigc.label_shape",
                    f"the label's JSON does not have the standard's shape: {'; '.join(shape)}",
                    [signal.attribute(Attr.CARRIER), *shape],
                    "gb45438.appendix_e",
                )
            )
        if signal.attribute(Attr.STANDARD_CARRIER) == "false":
            findings.append(
                _finding(
                    rules,
                    "aigc.nonstandard_carrier",
                    f"label found in {signal.attribute(Attr.CARRIER)}, not XMP TC260:AIGC",
                    [signal.attribute(Attr.CARRIER)],
                    "tc260.pg20259a.location",
                )
            )
    return findings


def _mark_mismatches(rules: PolicyRules, signals: tuple[Signal, ...]) -> list[Finding]:
    """Our mark present but not bound to this content: never a claim about it, a finding instead."""
    return [
        _finding(
            rules,
            CONTENT_MISMATCH,
            "a ClearMark watermark is present but the content is not what was marked (a copied mark, "
            "or content altered beyond confirmation); it says nothing about who made this content",
            [signal.message],
            "watermark.binding",
        )
        for signal in signals
        if signal.kind == SignalKind.WATERMARK_CLEARMARK and signal.attribute(Attr.CONTENT_BOUND, "true") == "false"
    ]


def _record_mismatches(rules: PolicyRules, signals: tuple[Signal, ...]) -> list[Finding]:
    """Our mark follows this content yet names another picture's record: it was embedded with the key
    onto other content (an unbound copy already has ``watermark.content_mismatch``)."""
    return [
        _finding(
            rules,
            RECORD_MISMATCH,
            f"the watermark names a registry record whose {s.attribute(Attr.PERCEPTUAL_KIND)} hash is "
            f"{s.attribute(Attr.PERCEPTUAL_DISTANCE)} bits from this content's (same content: "
            f"<= {s.attribute(Attr.MATCH_THRESHOLD)}): the mark was put onto other content",
            [s.message],
            "registry.perceptual_binding",
        )
        for s in signals
        if s.kind == SignalKind.WATERMARK_CLEARMARK
        and s.attribute(Attr.RECORD_BINDING) == "mismatch"
        and s.attribute(Attr.CONTENT_BOUND, "true") == "true"
    ]


def _unknown_produce_ids(rules: PolicyRules, signals: tuple[Signal, ...]) -> list[Finding]:
    """A label claiming a producer this deployment stamps for, with a ProduceID no Stamp issued and no
    signature to vouch for it: it claims to be ours and the registry does not know it."""
    if any(s.kind in (SignalKind.SECURITY_DATA, SignalKind.SECURITY_DATA_INVALID) for s in signals):
        return []  # signed: the signature check (and its own finding) speaks for the label
    return [
        _finding(
            rules,
            UNKNOWN_PRODUCE_ID,
            f"the label names producer {s.label.content_producer}, which this deployment stamps for, but no "
            f"Stamp issued ProduceID {s.label.produce_id} and the label is not signed: possibly forged",
            [s.attribute(Attr.CARRIER), f"ProduceID {s.label.produce_id}"],
            "registry.produce_id",
        )
        for s in signals
        if s.kind == LABEL_KIND and s.label is not None and s.attribute(Attr.PRODUCE_ID_STAMPED) == "false"
    ]


def decide(signals: tuple[Signal, ...], *, user_declared: bool = False, rules: PolicyRules = DEFAULT_RULES) -> Decision:
    """The category (strongest evidence wins) and every conflict or defect as a finding.

    The one decision: ``signals`` already carry the registry's answers (``registry.evidence``), so
    every verb, report and writer reads this result and none raises the category afterwards.
    """
    labels = [s for s in signals if s.kind == LABEL_KIND]
    malformed = [s for s in signals if s.kind == MALFORMED_LABEL_KIND]
    findings = _label_findings(rules, labels, malformed)

    hints = [s.category_hint for s in labels]
    traces = [
        s
        for s in signals
        if s.kind not in (LABEL_KIND, MALFORMED_LABEL_KIND)
        and s.category_hint is not Category.NO_SIGNAL
        and s.confidence >= rules.trace_min_confidence
    ]
    # A trace keeps its own hint: a valid C2PA AI manifest or our resolved watermark is AI_GENERATED.
    hints += [s.category_hint for s in traces]
    if user_declared:
        hints.append(Category.AI_POSSIBLE)
    category = max(hints, default=Category.NO_SIGNAL)

    says_ai = any(s.category_hint is Category.AI_GENERATED for s in labels)
    for kind, label, what in (
        (SignalKind.IPTC_SOURCE_TYPE, "aigc.conflict.source_type", "IPTC DigitalSourceType"),
        (SignalKind.C2PA_MANIFEST, "aigc.conflict.c2pa", "the C2PA manifest"),
    ):
        captures = [s for s in signals if s.kind == kind and s.attribute(Attr.CAPTURE) == "true"]
        if says_ai and captures:
            findings.append(
                _finding(
                    rules,
                    label,
                    f"the metadata label says AI-generated but {what} says captured",
                    [s.message for s in captures],
                    f"policy.conflict.{kind.split('.')[0]}",
                )
            )
    notice_labels = [s for s in signals if s.attribute(Attr.NOTICE_IS_LABEL) == "true"]
    if traces and not labels and not malformed and not notice_labels:
        findings.append(
            _finding(
                rules,
                "aigc.unlabelled",
                "traces of AI generation but no metadata label",
                [f"{s.source}: {s.message}" for s in traces],
                "campaign.task4.unlabelled",
            )
        )
    findings += [finding_from_signal(s) for s in signals if s.kind == CAMPAIGN_FINDING_KIND]
    for signal in signals:
        if signal.kind in FINDING_BY_SIGNAL and signal.attribute(Attr.PRESENT, "false") == "false":
            label, rule_id = FINDING_BY_SIGNAL[signal.kind]
            findings.append(_finding(rules, label, signal.message, [signal.location.carrier or signal.source], rule_id))

    findings += _mark_mismatches(rules, signals)
    findings += _record_mismatches(rules, signals)
    findings += _unknown_produce_ids(rules, signals)

    single = labels[0].label if len(labels) == 1 and not malformed else None
    return Decision(
        category=category,
        findings=tuple(findings),
        aigc_label=single,
        label_signals=tuple(labels),
        notice_labels=tuple(notice_labels),
    )


def campaign_verdict(
    findings: tuple[Finding, ...],
    request_id: str,
    rules: PolicyRules = DEFAULT_RULES,
    *,
    signals: tuple[Signal, ...] = (),
    caller_findings: tuple[Finding, ...] = (),
    context: CampaignContext | None = None,
    context_rules: ContextRules | None = None,
    caller_texts: tuple[str, ...] = (),
) -> CampaignVerdict:
    """The routing verdict: the strictest suggestion among the labelling and campaign findings.

    Args:
        findings: what ``decide`` concluded (labelling findings and the content's campaign findings).
        signals: the content's signals; the ``campaign.summary`` signal names the rule pack and the
            news-naming terms the content holds.
        caller_findings: campaign findings of the texts the caller sent (title, description, comments).
        context: the caller's context; without it (or without ``context_rules``) the minors and
            news checks report ``not_evaluated``.
        caller_texts: the texts the caller sent, read by the news-naming check.
    """
    campaign = [f for f in findings if f.label.startswith(rules.campaign_prefixes)] + list(caller_findings)
    summary = next((s for s in signals if s.kind == CAMPAIGN_SUMMARY_KIND), None)
    unread = summary.attribute("unread") if summary is not None else ""
    if unread:  # the content was not read (audio): say why, whatever the caller's texts found
        not_evaluated: list[str] = [f"{prefix} ({unread})" for prefix in rules.unchecked_content]
    else:
        not_evaluated = [] if summary is not None or caller_findings else list(rules.unchecked_content)
    text = "\n".join(((summary.attribute("news_terms").replace(",", "\n"),) if summary else ()) + caller_texts)
    for prefix, check in CONTEXT_CHECKS.items():
        if context is None or context_rules is None:
            not_evaluated.append(prefix)
            continue
        extra, evaluated = check(context_rules, context, tuple(campaign), text)
        campaign += extra
        if not evaluated:
            not_evaluated.append(prefix)
    pack = summary.attribute("policy_version") if summary else ""
    return CampaignVerdict(
        suggestion=max((f.suggestion for f in campaign), default=Suggestion.PASS),
        findings=tuple(campaign),
        policy_version=f"{rules.version}+{pack}" if pack else rules.version,
        request_id=request_id,
        not_evaluated=tuple(not_evaluated),
    )
