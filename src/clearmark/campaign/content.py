"""The campaign checks on one piece of content: its text, the OCR text of its pixels or frames, its QR codes.

Findings travel as ``campaign.finding`` signals (one per finding, hits as JSON) so they reach policy
like every detector's output; ``finding_from_signal`` turns them back into findings there. A
``campaign.summary`` signal carries the policy version and what the context checks need later
(the news-naming terms the content holds), so a request's context can be applied afterwards.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from clearmark.campaign.checker import QR_SOURCE, TextItem, shared_checker
from clearmark.campaign.qrcode import QR_CODES, read_qr_codes
from clearmark.campaign.rules import TenantPolicy
from clearmark.core.enums import Category, MediaKind, Suggestion
from clearmark.core.errors import ClearMarkError
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import BoundingBox, Finding, Hit, Location, Signal
from clearmark.media.asset import Asset
from clearmark.media.views import DerivedView

if TYPE_CHECKING:
    from clearmark.media.video import SampledFrame

log = logging.getLogger(__name__)
SOURCE = "campaign"
FINDING_KIND = SignalKind.CAMPAIGN_FINDING
SUMMARY_KIND = SignalKind.CAMPAIGN_SUMMARY
OCR_SOURCE = "ocr"


VIDEO_FRAMES = 8  # sampled frames of a video the campaign scans for QR codes itself (OCR text is shared)
# Why a kind's content is not read (its findings come from the caller's texts only).
UNREAD = {MediaKind.AUDIO: "audio is not read: no speech recognition"}


def content_items(asset: Asset, signals: tuple[Signal, ...], *, video_frames: int = VIDEO_FRAMES) -> list[TextItem]:
    """The texts of the content: a document's text; an image's OCR lines (with boxes) and QR payloads;
    a video's OCR lines and QR payloads, each once, with its box and first/last frame times."""
    items: list[TextItem] = []
    if asset.is_textual:
        extracted = asset.text
        items.append(TextItem(extracted.text, extracted.carrier or "text"))
    if asset.kind in (MediaKind.IMAGE, MediaKind.VIDEO):
        for signal in signals:
            if signal.kind == SignalKind.OCR_TEXT:
                items.extend(_ocr_items(signal))
    if asset.kind is MediaKind.IMAGE:
        items.extend(TextItem(code.payload, QR_SOURCE, code.bbox) for code in asset.view(QR_CODES))
    if asset.kind is MediaKind.VIDEO:
        items.extend(_video_qr_items(asset.video[1], video_frames))
    return items


def content_views(asset: Asset) -> tuple[DerivedView[object], ...]:
    """The derived views ``content_items`` reads of this asset besides the detectors' signals (a picture's
    QR codes), which a caller may have computed earlier, on a thread that would otherwise wait."""
    return (QR_CODES,) if asset.kind is MediaKind.IMAGE else ()


def _ocr_items(signal: Signal) -> list[TextItem]:
    try:
        lines = json.loads(signal.attribute("lines_json") or "[]")
        return [
            TextItem(
                str(line["text"]),
                OCR_SOURCE,
                BoundingBox(*map(int, line["bbox"])),
                line.get("start_ms"),
                line.get("end_ms"),
            )
            for line in lines
        ]
    except (ValueError, KeyError, TypeError):  # the attribute was truncated: keep the text, lose the boxes
        return [TextItem(line, OCR_SOURCE) for line in signal.attribute("ocr_text").splitlines() if line]


def spread_frames(frames: tuple[SampledFrame, ...], count: int) -> tuple[SampledFrame, ...]:
    """At most ``count`` of the sampled frames, spread evenly over the video's time (not over the
    start screen's dense samples): the frame nearest each of ``count`` evenly spaced times."""
    if len(frames) <= count:
        return frames
    if count <= 0:
        return ()
    end = frames[-1].time_s
    chosen = {
        min(range(len(frames)), key=lambda i: (abs(frames[i].time_s - end * (k + 0.5) / count), i))
        for k in range(count)
    }
    return tuple(frames[i] for i in sorted(chosen))


def _video_qr_items(frames: tuple[SampledFrame, ...], count: int) -> list[TextItem]:
    """The QR codes of the chosen frames: a payload seen on several frames is one text, with its box
    where first seen and the times of the first and last frames showing it."""
    first: dict[str, tuple[BoundingBox, int]] = {}
    last: dict[str, int] = {}
    for frame in spread_frames(frames, count):
        time_ms = round(frame.time_s * 1000)
        for code in read_qr_codes(frame.rgb):
            first.setdefault(code.payload, (code.bbox, time_ms))
            last[code.payload] = time_ms
    return [TextItem(payload, QR_SOURCE, box, start, last[payload]) for payload, (box, start) in first.items()]


def campaign_signals(
    asset: Asset,
    signals: tuple[Signal, ...],
    pack: Path | None = None,
    *,
    tenant: str = "",
    tenants: tuple[tuple[str, TenantPolicy], ...] = (),
    video_frames: int = VIDEO_FRAMES,
) -> tuple[Signal, ...]:
    """The campaign findings of an asset as signals, plus the summary signal.

    Text, documents, images and video are read; audio is not (the summary says why, and policy lists
    the content checks as not evaluated with that reason; the caller's texts are still checked).
    ``tenant`` picks that tenant's allow/deny lists and thresholds from ``tenants`` (the same
    compiled policies CheckTexts uses); an unknown tenant gets the base pack. ``video_frames`` caps
    the sampled frames of a video scanned for QR codes.
    """
    if not (asset.is_textual or asset.kind in (MediaKind.IMAGE, MediaKind.VIDEO, *UNREAD)):
        return ()
    checker = shared_checker(pack, tenants)
    checker.refresh(pack)
    unread = UNREAD.get(asset.kind, "")
    try:
        items = [] if unread else content_items(asset, signals, video_frames=video_frames)
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
        message=unread or f"{len(items)} text(s) checked against {verdict.policy_version}",
        attributes=(
            ("policy_version", verdict.policy_version),
            ("texts", str(len(items))),
            ("news_terms", ",".join(t for t in terms if t in joined)),
            ("unread", unread),
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
        "time_ms": [hit.location.time_start_ms, hit.location.time_end_ms],
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
        start_ms, end_ms = item.get("time_ms") or (None, None)
        location = Location(item["source"], None, None, box, start_ms, end_ms, item.get("start"), item.get("end"))
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
