"""The campaign checks on one piece of content: its text, the OCR text of its pixels and its QR codes.

Findings travel as ``campaign.finding`` signals (one per finding, hits as JSON) so they reach policy
like every detector's output; ``finding_from_signal`` turns them back into findings there. A
``campaign.summary`` signal carries the policy version and what the context checks need later
(the news-naming terms the content holds), so a request's context can be applied afterwards.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from clearmark.campaign.checker import QR_SOURCE, TextItem, shared_checker
from clearmark.campaign.qrcode import read_qr_codes
from clearmark.campaign.rules import TenantPolicy
from clearmark.core.enums import Category, MediaKind, Suggestion
from clearmark.core.errors import ClearMarkError
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import BoundingBox, Finding, Hit, Location, Signal
from clearmark.media.asset import Asset
from clearmark.media.views import GREY

log = logging.getLogger(__name__)
SOURCE = "campaign"
FINDING_KIND = SignalKind.CAMPAIGN_FINDING
SUMMARY_KIND = SignalKind.CAMPAIGN_SUMMARY
OCR_SOURCE = "ocr"


def content_items(asset: Asset, signals: tuple[Signal, ...]) -> list[TextItem]:
    """The texts of the content: a document's text; an image's OCR lines (with boxes) and QR payloads."""
    items: list[TextItem] = []
    if asset.is_textual:
        extracted = asset.text
        items.append(TextItem(extracted.text, extracted.carrier or "text"))
    if asset.kind is MediaKind.IMAGE:
        for signal in signals:
            if signal.kind == SignalKind.OCR_TEXT:
                items.extend(_ocr_items(signal))
        codes = read_qr_codes(asset.view(GREY))
        items.extend(TextItem(code.payload, QR_SOURCE, code.bbox) for code in codes)
    return items


def _ocr_items(signal: Signal) -> list[TextItem]:
    try:
        lines = json.loads(signal.attribute("lines_json") or "[]")
        return [TextItem(str(line["text"]), OCR_SOURCE, BoundingBox(*map(int, line["bbox"]))) for line in lines]
    except (ValueError, KeyError, TypeError):  # the attribute was truncated: keep the text, lose the boxes
        return [TextItem(line, OCR_SOURCE) for line in signal.attribute("ocr_text").splitlines() if line]


def campaign_signals(
    asset: Asset,
    signals: tuple[Signal, ...],
    pack: Path | None = None,
    *,
    tenant: str = "",
    tenants: tuple[tuple[str, TenantPolicy], ...] = (),
) -> tuple[Signal, ...]:
    """The campaign findings of an asset as signals, plus the summary signal; nothing for other kinds
    (audio, video for now), which policy then lists as not evaluated.

    ``tenant`` picks that tenant's allow/deny lists and thresholds from ``tenants`` (the same
    compiled policies CheckTexts uses); an unknown tenant gets the base pack.
    """
    if not (asset.is_textual or asset.kind is MediaKind.IMAGE):
        return ()
    checker = shared_checker(pack, tenants)
    checker.refresh(pack)
    try:
        items = content_items(asset, signals)
    except ClearMarkError as exc:  # unreadable text or pixels: the other detectors have said so already
        log.info("campaign checks skipped: %s", exc.message)
        items = []
    verdict = checker.check(items, tenant=tenant)
    terms = checker.policy(tenant).pack.context.news_naming_terms
    joined = "\n".join(item.text for item in items).casefold()
    summary = Signal(
        source=SOURCE,
        kind=SUMMARY_KIND,
        confidence=1.0,
        rule_id="campaign.summary",
        rule_version=verdict.policy_version,
        message=f"{len(items)} text(s) checked against {verdict.policy_version}",
        attributes=(
            ("policy_version", verdict.policy_version),
            ("texts", str(len(items))),
            ("news_terms", ",".join(t for t in terms if t in joined)),
        ),
    )
    return (*(finding_signal(f, verdict.policy_version) for f in verdict.findings), summary)


def _hit_json(hit: Hit) -> dict:
    box = hit.location.bbox
    return {
        "source": hit.source,
        "text": hit.text,
        "normalized": hit.normalized,
        "start": hit.location.text_start,
        "end": hit.location.text_end,
        "bbox": [box.x, box.y, box.width, box.height] if box else None,
        "transforms": list(hit.transforms),
    }


def finding_signal(finding: Finding, policy_version: str) -> Signal:
    """A campaign finding as a signal (its hits as JSON)."""
    first = finding.hits[0].location if finding.hits else Location(carrier=SOURCE)
    return Signal(
        source=SOURCE,
        kind=FINDING_KIND,
        confidence=finding.score,
        rule_id=finding.rule_id,
        rule_version=policy_version,
        category_hint=Category.NO_SIGNAL,
        location=first,
        message=finding.message,
        attributes=(
            ("label", finding.label),
            ("suggestion", finding.suggestion.name),
            ("modifiers", ",".join(finding.modifiers)),
            ("hits_json", json.dumps([_hit_json(h) for h in finding.hits], ensure_ascii=False)),
        ),
    )


def finding_from_signal(signal: Signal) -> Finding:
    """The finding a ``campaign.finding`` signal carries."""
    hits = []
    for item in json.loads(signal.attribute("hits_json") or "[]"):
        box = BoundingBox(*item["bbox"]) if item.get("bbox") else None
        location = Location(carrier=item["source"], bbox=box, text_start=item.get("start"), text_end=item.get("end"))
        hits.append(Hit(item["source"], item["text"], item["normalized"], location, tuple(item["transforms"])))
    return Finding(
        label=signal.attribute("label"),
        message=signal.message,
        score=signal.confidence,
        suggestion=Suggestion[signal.attribute("suggestion", "REVIEW")],
        rule_id=signal.rule_id,
        evidence=tuple(f"{h.source}[{h.location.text_start}:{h.location.text_end}] {h.text!r}" for h in hits[:20]),
        modifiers=tuple(m for m in signal.attribute("modifiers").split(",") if m),
        hits=tuple(hits),
    )
