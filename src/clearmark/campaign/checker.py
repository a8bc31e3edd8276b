"""The campaign checker: texts in (content, titles, comments, OCR lines, QR payloads), verdicts out.

Many texts are checked in one pass: they are joined with a break character no view drops and no
pattern holds, viewed and scanned once, and the hits are handed back to the text they fall in.
"""

from __future__ import annotations

import bisect
import functools
import gc
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from clearmark.campaign.context import CONTEXT_CHECKS, CampaignContext
from clearmark.campaign.diversion import DiversionHit, DiversionMatcher
from clearmark.campaign.matcher import CompiledPack
from clearmark.campaign.rules import RulePack, RulePackError, RulePackStore, TenantPolicy, Thresholds, load_rule_pack
from clearmark.campaign.tables import ITEM_BREAK, ViewTables, view_tables
from clearmark.campaign.views import code_points, contact_view, keyword_view, span_flags, transform_names
from clearmark.core.enums import Suggestion
from clearmark.core.signals import BoundingBox, CampaignVerdict, Finding, Hit, Location

log = logging.getLogger(__name__)
# Views whose hits alone never BLOCK: the transform they add to a hit.
_WEAK_VIEWS = {"pinyin": "homophone", "radical": "radical"}
_DIVERSION_SCORE = {True: 0.95, False: 0.6}
_DIVERSION_RULE = "diversion.patterns"
_EXCERPT = 200
QR_SOURCE = "qrcode"


@dataclass(frozen=True)
class TextItem:
    """One text to check and where it came from (an image's text carries its box, a video's also the
    times of the first and last sampled frames showing it)."""

    text: str
    source: str = "text"
    bbox: BoundingBox | None = None
    time_start_ms: int | None = None
    time_end_ms: int | None = None


class _Found(NamedTuple):
    """A hit as found: cheap to make for every match; only the hits a finding reports become ``Hit`` objects."""

    label: str
    rule_id: str
    severity: Suggestion
    score: float
    weak: bool
    start: int  # in the joined texts
    end: int
    normalized: str
    bits: int  # Transform bits the view's table undid in the span
    extra: tuple[str, ...]  # transforms beyond the table's (homophone, radical, spelled_dot)


class CompiledPolicy:
    """A pack compiled with its diversion matcher; what one request uses from start to end."""

    def __init__(self, pack: RulePack, tables: ViewTables | None = None) -> None:
        self.tables = tables or view_tables()
        self.pack = pack
        self.rules = CompiledPack(pack, self.tables)
        self.diversion = DiversionMatcher(pack.diversion, pack.thresholds.trigger_window, self.tables)
        self.policy_version = pack.policy_version
        factors = {"pinyin": pack.thresholds.homophone_factor, "radical": pack.thresholds.radical_factor}
        # per rule: label, id, severity and the score of a hit in each view (weak views scaled down)
        self.rule_facts = [
            (
                rule.label,
                rule.id,
                rule.suggestion,
                {view: round(rule.score * factors.get(view, 1.0), 4) for view in ("keyword", *factors)},
            )
            for rule in pack.rules
        ]

    def verify(self) -> None:
        """Run every rule's own tests.

        Raises:
            RulePackError: listing each failing rule test.
        """
        failures = list(self.rules.self_test())
        if failures:
            raise RulePackError(f"rule pack {self.pack.name}@{self.pack.version} fails its tests: {failures[:10]}")


class CampaignChecker:
    """Checks texts against the rule pack in use; ``reload`` swaps packs atomically.

    Args:
        pack: the rule pack (the shipped starter pack when None).
        tenants: per-tenant allow/deny lists and thresholds, by tenant name.
    """

    def __init__(self, pack: RulePack | None = None, tenants: Mapping[str, TenantPolicy] | None = None) -> None:
        self._tenants = dict(tenants or {})
        self._store = RulePackStore(self._compile(pack or load_rule_pack()))

    def _compile(self, pack: RulePack) -> dict[str, CompiledPolicy]:
        base = CompiledPolicy(pack)
        base.verify()
        compiled = {"": base}
        for name, tenant in self._tenants.items():
            compiled[name] = CompiledPolicy(pack.for_tenant(tenant), base.tables)
        return compiled

    def reload(self, path: Path | None = None) -> str:
        """Load, compile and verify a pack, then swap it in; on any error the running pack stays.

        Returns:
            The new policy version.

        Raises:
            RulePackError: the pack is malformed or fails its own tests.
        """
        compiled = self._compile(load_rule_pack(path))
        self._store.swap(compiled)
        return compiled[""].policy_version

    def refresh(self, path: Path | None) -> bool:
        """Reload ``path`` when its modification time changed since the last look (hot swap).

        A pack that fails to load or to pass its tests is logged and the running pack stays.

        Returns:
            True when a new pack was swapped in.
        """
        if path is None:
            return False
        try:
            stamp = Path(path).stat().st_mtime_ns
        except OSError:
            return False
        seen, self._seen_mtime = getattr(self, "_seen_mtime", None), stamp
        if seen is None or seen == stamp:
            return False
        try:
            version = self.reload(path)
        except RulePackError as exc:
            log.error("rule pack %s not swapped in, the running pack stays: %s", path, exc.message)
            return False
        log.info("rule pack %s swapped in: %s", path, version)
        return True

    def policy(self, tenant: str = "") -> CompiledPolicy:
        """The compiled policy in use for a tenant (the base pack for unknown tenants)."""
        compiled: dict[str, CompiledPolicy] = self._store.current()  # type: ignore[assignment]
        return compiled.get(tenant, compiled[""])

    @property
    def policy_version(self) -> str:
        """The base pack's policy version."""
        return self.policy().policy_version

    def check(
        self,
        items: Sequence[TextItem],
        context: CampaignContext | None = None,
        *,
        request_id: str = "",
        tenant: str = "",
    ) -> CampaignVerdict:
        """One verdict over all the texts of one piece of content (its body, title, OCR lines, QR payloads)."""
        policy = self.policy(tenant)
        scan = self._scan(policy, items)
        found = [(index, f) for index, per_item in sorted(scan.found.items()) for f in per_item]
        text = "\n".join(i.text for i in items)
        return _verdict(policy, found, context or CampaignContext(), text, request_id, scan)

    def check_each(
        self,
        items: Sequence[TextItem],
        context: CampaignContext | None = None,
        *,
        request_id: str = "",
        tenant: str = "",
    ) -> list[CampaignVerdict]:
        """One verdict per text (titles, comments, live-chat lines), from one scan of them all."""
        policy = self.policy(tenant)
        ctx = context or CampaignContext()
        clean = _verdict(policy, [], ctx, "", request_id)  # shared by every text without hits
        text_free = not (ctx.account_type and ctx.content_type)  # only the news check reads the text itself
        scan = self._scan(policy, items)
        found = scan.found
        return [
            _verdict(policy, [(i, f) for f in found[i]], ctx, item.text, request_id, scan)
            if i in found
            else clean
            if text_free
            else _verdict(policy, [], ctx, item.text, request_id, scan)
            for i, item in enumerate(items)
        ]

    def _scan(self, policy: CompiledPolicy, items: Sequence[TextItem]) -> _Scan:
        texts = [item.text.replace(ITEM_BREAK, " ") for item in items]
        joined = ITEM_BREAK.join(texts)
        bounds = np.cumsum([0] + [len(t) + 1 for t in texts])[:-1].tolist()
        scan = _Scan(items, joined, bounds, {})
        if not joined:
            return scan
        cps = code_points(joined)
        keyword, keyword_cps = keyword_view(cps, policy.tables)
        rules = policy.rules
        rule_hits = rules.scan(cps, keyword, keyword_cps)
        diversion_hits: list[tuple[int, DiversionHit]] = []
        for index, item in enumerate(items):
            if item.source == QR_SOURCE:
                hit = policy.diversion.classify_qr(texts[index])
                if hit.label != "diversion.qrcode.text":
                    shifted = replace(hit, start=hit.start + bounds[index], end=hit.end + bounds[index])
                    diversion_hits.append((index, shifted))
        contact = contact_view(cps, policy.tables)
        diversion_hits += [(bisect.bisect_right(bounds, h.start) - 1, h) for h in policy.diversion.scan(contact)]
        diversion_hits = [(i, h) for i, h in diversion_hits if h.value not in rules.allow]
        rule_bits = span_flags(cps, [h.start for h in rule_hits], [h.end for h in rule_hits], policy.tables.keyword)
        diversion_bits = span_flags(
            cps, [h.start for _, h in diversion_hits], [h.end for _, h in diversion_hits], policy.tables.contact
        )
        per_item = scan.found  # only the texts with hits have an entry: a batch is mostly clean
        facts = policy.rule_facts
        for hit, bits in zip(rule_hits, rule_bits, strict=True):
            label, rule_id, severity, scores = facts[hit.rule]
            weak = hit.view in _WEAK_VIEWS
            per_item.setdefault(bisect.bisect_right(bounds, hit.start) - 1, []).append(
                _Found(
                    label,
                    rule_id,
                    severity,
                    scores[hit.view],
                    weak,
                    hit.start,
                    hit.end,
                    hit.normalized,
                    bits,
                    (_WEAK_VIEWS[hit.view],) if weak else (),
                )
            )
        for (index, hit), bits in zip(diversion_hits, diversion_bits, strict=True):
            per_item.setdefault(index, []).append(
                _Found(
                    hit.label,
                    f"{_DIVERSION_RULE}.{hit.label.split('.', 1)[1]}",
                    Suggestion.BLOCK if hit.strong else Suggestion.REVIEW,
                    _DIVERSION_SCORE[hit.strong],
                    False,
                    hit.start,
                    hit.end,
                    hit.value,
                    bits,
                    hit.transforms,
                )
            )
        return scan


@dataclass(frozen=True)
class _Scan:
    """The texts of one request joined for one pass, and the hits found in each."""

    items: Sequence[TextItem]
    joined: str
    bounds: list[int]
    found: dict[int, list[_Found]]  # item index -> its hits, in scan order

    def hit(self, index: int, found: _Found) -> Hit:
        """The reported form of a hit: its excerpt, normalised value, location and transforms."""
        item, offset = self.items[index], self.bounds[index]
        start, end = found.start - offset, found.end - offset
        location = Location(item.source, None, None, item.bbox, item.time_start_ms, item.time_end_ms, start, end)
        transforms = transform_names(found.bits) + found.extra
        excerpt = self.joined[found.start : found.end][:_EXCERPT]
        return Hit(item.source, excerpt, found.normalized[:_EXCERPT], location, transforms)


def _finding(
    policy: CompiledPolicy, label: str, rule_id: str, group: list[tuple[int, _Found]], scan: _Scan | None
) -> Finding:
    """One finding of a rule: its strongest score, its first 50 hits in text order, the evasions its hits undid."""
    if len(group) == 1:  # nothing to merge or order
        f = group[0][1]
        weak_only, score, severity, bits, extra = f.weak, f.score, f.severity, f.bits, f.extra
    else:
        weak_only = all(f.weak for _, f in group)
        score = max(f.score for _, f in group)
        severity = max(f.severity for _, f in group)
        bits, extras = 0, set()
        for _, f in group:
            bits |= f.bits
            extras.update(f.extra)
        extra = tuple(sorted(extras))
        items, bounds = scan.items, scan.bounds  # type: ignore[union-attr]
        group = sorted(group, key=lambda e: (items[e[0]].source, e[1].start - bounds[e[0]]))
    make_hit = scan.hit  # type: ignore[union-attr]
    hits = tuple([make_hit(index, f) for index, f in group[:50]])
    evidence = tuple(
        [
            f"{h.source}[{h.location.text_start}:{h.location.text_end}] {h.text!r} -> {h.normalized!r}"
            for h in hits[:20]
        ]
    )
    shown = repr(hits[0].text) if len(hits) == 1 else ", ".join([repr(h.text) for h in hits[:5]])
    return Finding(
        label,
        f"{len(group)} hit(s) of {rule_id}: {shown}",
        score,
        _suggestion(policy.pack.thresholds, severity, score, weak_only),
        rule_id,
        evidence,
        _modifiers(bits, extra),
        hits,
    )


@functools.cache
def _modifiers(bits: int, extra: tuple[str, ...]) -> tuple[str, ...]:
    """A finding's evasion modifiers: the transforms its hits undid, sorted by name."""
    return tuple(f"evasion.{t}" for t in sorted({*transform_names(bits), *extra}))


def _suggestion(thresholds: Thresholds, severity: Suggestion, score: float, weak_only: bool) -> Suggestion:
    if severity is Suggestion.BLOCK and score >= thresholds.block and not weak_only:
        return Suggestion.BLOCK
    if severity >= Suggestion.REVIEW and score >= thresholds.review:
        return Suggestion.REVIEW
    return Suggestion.PASS


def _verdict(
    policy: CompiledPolicy,
    found: list[tuple[int, _Found]],
    context: CampaignContext,
    text: str,
    request_id: str,
    scan: _Scan | None = None,
) -> CampaignVerdict:
    """One verdict over ``found`` (item index, hit); only the hits a finding reports become ``Hit`` objects."""
    if len(found) == 1:  # the common case in short texts: one hit, nothing to group
        f = found[0][1]
        findings = [_finding(policy, f.label, f.rule_id, found, scan)]
    else:
        groups: dict[tuple[str, str], list[tuple[int, _Found]]] = {}
        for entry in found:
            f = entry[1]
            groups.setdefault((f.label, f.rule_id), []).append(entry)
        findings = [_finding(policy, label, rule_id, group, scan) for (label, rule_id), group in groups.items()]
        findings.sort(key=lambda f: (-f.suggestion, f.label))
    not_evaluated: list[str] = []
    base = tuple(findings)
    rules = policy.pack.context
    for prefix, check in CONTEXT_CHECKS.items():
        extra_findings, evaluated = check(rules, context, base, text)
        if extra_findings:
            findings.extend(extra_findings)
        if not evaluated:
            not_evaluated.append(prefix)
    strictest = max([f.suggestion for f in findings]) if findings else Suggestion.PASS
    return CampaignVerdict(
        strictest,
        base if len(findings) == len(base) else tuple(findings),
        policy.policy_version,
        request_id,
        tuple(not_evaluated),
    )


@functools.cache
def shared_checker(pack: Path | None = None, tenants: tuple[tuple[str, TenantPolicy], ...] = ()) -> CampaignChecker:
    """The process-wide checker of a rule pack and tenant overrides (tables and automata built once).

    The tables live as long as the process, so they are moved out of the collector's sight
    (``gc.freeze``): otherwise every full collection walks their hundreds of thousands of objects.
    """
    checker = CampaignChecker(load_rule_pack(pack), dict(tenants))
    checker.refresh(pack)  # remembers the file's modification time
    gc.freeze()
    return checker


def check_texts_job(
    pack: Path | None,
    tenants: tuple[tuple[str, TenantPolicy], ...],
    items: tuple[TextItem, ...],
    context: CampaignContext | None,
    request_id: str,
    tenant: str,
    each: bool,
) -> list[CampaignVerdict]:
    """A worker-process job: one verdict per text (``each``) or one over all of them."""
    checker = shared_checker(pack, tenants)
    checker.refresh(pack)
    if each:
        return checker.check_each(items, context, request_id=request_id, tenant=tenant)
    return [checker.check(items, context, request_id=request_id, tenant=tenant)]
