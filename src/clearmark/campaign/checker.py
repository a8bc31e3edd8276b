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

import numpy as np

from clearmark.campaign.context import CONTEXT_CHECKS, CampaignContext
from clearmark.campaign.diversion import DiversionHit, DiversionMatcher
from clearmark.campaign.matcher import CompiledPack, RuleHit
from clearmark.campaign.rules import RulePack, RulePackError, RulePackStore, TenantPolicy, load_rule_pack
from clearmark.campaign.tables import ITEM_BREAK, ViewTables, view_tables
from clearmark.campaign.views import code_points, contact_view, keyword_view, transforms_in
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
    """One text to check and where it came from (an image's text carries its box)."""

    text: str
    source: str = "text"
    bbox: BoundingBox | None = None


@dataclass(frozen=True)
class _Found:
    label: str
    rule_id: str
    severity: Suggestion
    score: float
    weak: bool
    hit: Hit


class CompiledPolicy:
    """A pack compiled with its diversion matcher; what one request uses from start to end."""

    def __init__(self, pack: RulePack, tables: ViewTables | None = None) -> None:
        self.tables = tables or view_tables()
        self.pack = pack
        self.rules = CompiledPack(pack, self.tables)
        self.diversion = DiversionMatcher(pack.diversion, pack.thresholds.trigger_window, self.tables)
        self.policy_version = pack.policy_version

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
        found = [f for per_item in self._scan(policy, items) for f in per_item]
        return _verdict(policy, found, context or CampaignContext(), "\n".join(i.text for i in items), request_id)

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
        return [
            clean if not found and text_free else _verdict(policy, found, ctx, item.text, request_id)
            for item, found in zip(items, self._scan(policy, items), strict=True)
        ]

    def _scan(self, policy: CompiledPolicy, items: Sequence[TextItem]) -> list[list[_Found]]:
        texts = [item.text.replace(ITEM_BREAK, " ") for item in items]
        joined = ITEM_BREAK.join(texts)
        bounds = np.cumsum([0] + [len(t) + 1 for t in texts])[:-1].tolist()
        per_item: list[list[_Found]] = [[] for _ in items]
        if not joined:
            return per_item
        cps = code_points(joined)
        keyword, keyword_cps = keyword_view(cps, policy.tables)
        flagged = np.flatnonzero(policy.tables.keyword.flags[cps])
        for hit in policy.rules.scan(cps, keyword, keyword_cps):
            index = bisect.bisect_right(bounds, hit.start) - 1
            found = self._rule_found(policy, hit, cps, joined, bounds[index], items[index], flagged)
            per_item[index].append(found)
        for index, item in enumerate(items):
            if item.source == QR_SOURCE:
                hit = policy.diversion.classify_qr(texts[index])
                if hit.label != "diversion.qrcode.text":
                    shifted = replace(hit, start=hit.start + bounds[index], end=hit.end + bounds[index])
                    found = self._diversion_found(policy, shifted, cps, joined, bounds[index], item)
                    if found is not None:
                        per_item[index].append(found)
        contact = contact_view(cps, policy.tables)
        for hit in policy.diversion.scan(contact):
            index = bisect.bisect_right(bounds, hit.start) - 1
            found = self._diversion_found(policy, hit, cps, joined, bounds[index], items[index])
            if found is not None:
                per_item[index].append(found)
        return per_item

    @staticmethod
    def _hit(item: TextItem, text: str, normalized: str, start: int, end: int, offset: int, transforms) -> Hit:
        if item.bbox is not None:
            location = Location(carrier=item.source, bbox=item.bbox, text_start=start - offset, text_end=end - offset)
        else:
            location = Location(carrier=item.source, text_start=start - offset, text_end=end - offset)
        return Hit(item.source, text[start:end][:_EXCERPT], normalized[:_EXCERPT], location, tuple(transforms))

    def _rule_found(
        self,
        policy: CompiledPolicy,
        hit: RuleHit,
        cps: np.ndarray,
        text: str,
        offset: int,
        item: TextItem,
        flagged: np.ndarray | None = None,
    ) -> _Found:
        rule = policy.rules.rule(hit.rule)
        transforms = list(transforms_in(cps, hit.start, hit.end, policy.tables.keyword, flagged))
        factor = 1.0
        if hit.view in _WEAK_VIEWS:
            transforms.append(_WEAK_VIEWS[hit.view])
            thresholds = policy.pack.thresholds
            factor = thresholds.homophone_factor if hit.view == "pinyin" else thresholds.radical_factor
        return _Found(
            label=rule.label,
            rule_id=rule.id,
            severity=rule.suggestion,
            score=round(rule.score * factor, 4),
            weak=hit.view in _WEAK_VIEWS,
            hit=self._hit(item, text, hit.normalized, hit.start, hit.end, offset, transforms),
        )

    def _diversion_found(
        self, policy: CompiledPolicy, hit: DiversionHit, cps: np.ndarray, text: str, offset: int, item: TextItem
    ) -> _Found | None:
        if hit.value in policy.rules.allow:
            return None
        transforms = transforms_in(cps, hit.start, hit.end, policy.tables.contact) + hit.transforms
        return _Found(
            label=hit.label,
            rule_id=f"{_DIVERSION_RULE}.{hit.label.split('.', 1)[1]}",
            severity=Suggestion.BLOCK if hit.strong else Suggestion.REVIEW,
            score=_DIVERSION_SCORE[hit.strong],
            weak=False,
            hit=self._hit(item, text, hit.value, hit.start, hit.end, offset, transforms),
        )


def _suggestion(policy: CompiledPolicy, severity: Suggestion, score: float, weak_only: bool) -> Suggestion:
    thresholds = policy.pack.thresholds
    if severity is Suggestion.BLOCK and score >= thresholds.block and not weak_only:
        return Suggestion.BLOCK
    if severity >= Suggestion.REVIEW and score >= thresholds.review:
        return Suggestion.REVIEW
    return Suggestion.PASS


def _verdict(
    policy: CompiledPolicy, found: list[_Found], context: CampaignContext, text: str, request_id: str
) -> CampaignVerdict:
    groups: dict[tuple[str, str], list[_Found]] = {}
    for f in found:
        groups.setdefault((f.label, f.rule_id), []).append(f)
    findings: list[Finding] = []
    for (label, rule_id), group in groups.items():
        weak_only = all(f.weak for f in group)
        score = max(f.score for f in group)
        severity = max(f.severity for f in group)
        hits = tuple(sorted((f.hit for f in group), key=lambda h: (h.source, h.location.text_start or 0)))
        transforms = sorted({t for h in hits for t in h.transforms})
        findings.append(
            Finding(
                label=label,
                message=f"{len(hits)} hit(s) of {rule_id}: " + ", ".join(repr(h.text) for h in hits[:5]),
                score=score,
                suggestion=_suggestion(policy, severity, score, weak_only),
                rule_id=rule_id,
                evidence=tuple(
                    f"{h.source}[{h.location.text_start}:{h.location.text_end}] {h.text!r} -> {h.normalized!r}"
                    for h in hits[:20]
                ),
                modifiers=tuple(f"evasion.{t}" for t in transforms),
                hits=hits[:50],
            )
        )
    findings.sort(key=lambda f: (-f.suggestion, f.label))
    not_evaluated: list[str] = []
    base = tuple(findings)
    for prefix, check in CONTEXT_CHECKS.items():
        extra, evaluated = check(policy.pack.context, context, base, text)
        findings.extend(extra)
        if not evaluated:
            not_evaluated.append(prefix)
    return CampaignVerdict(
        suggestion=max((f.suggestion for f in findings), default=Suggestion.PASS),
        findings=tuple(findings),
        policy_version=policy.policy_version,
        request_id=request_id,
        not_evaluated=tuple(not_evaluated),
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
