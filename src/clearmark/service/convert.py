"""Domain dataclasses to protobuf messages: the only place the two meet (the servicer edge)."""

from __future__ import annotations

from clearmark.campaign import CampaignContext, TextItem
from clearmark.core.aigc import AigcLabel
from clearmark.core.signals import (
    BoundingBox,
    CampaignVerdict,
    ComplianceReport,
    Finding,
    Hit,
    Inspection,
    Location,
    MediaInfo,
    Signal,
)
from clearmark.notice import RenderedNotice
from clearmark.service.registry import ProvenanceRecord
from clearmark.v1 import types_pb2 as pb

VERB_BY_NAME: dict[str, int] = {"stamp": pb.VERB_STAMP, "label": pb.VERB_LABEL}
# The registry stores a MIME type; its top-level type names the modality (documents are application/*).
MEDIA_KIND_BY_MIME_TYPE: dict[str, int] = {
    "image": pb.MEDIA_KIND_IMAGE,
    "video": pb.MEDIA_KIND_VIDEO,
    "audio": pb.MEDIA_KIND_AUDIO,
    "text": pb.MEDIA_KIND_TEXT,
    "application": pb.MEDIA_KIND_DOCUMENT,
}


def media_kind_of(mime_type: str) -> int:
    """The MediaKind of a sniffed MIME type (UNSPECIFIED when there is none)."""
    return MEDIA_KIND_BY_MIME_TYPE.get(mime_type.partition("/")[0], pb.MEDIA_KIND_UNSPECIFIED)


def label_pb(label: AigcLabel | None) -> pb.AigcLabel | None:
    if label is None:
        return None
    return pb.AigcLabel(
        label=label.label,
        content_producer=label.content_producer,
        produce_id=label.produce_id,
        reserved_code1=label.reserved_code1,
        content_propagator=label.content_propagator,
        propagate_id=label.propagate_id,
        reserved_code2=label.reserved_code2,
    )


def bbox_pb(box: BoundingBox | None) -> pb.BoundingBox | None:
    return None if box is None else pb.BoundingBox(x=box.x, y=box.y, width=box.width, height=box.height)


def location_pb(loc: Location) -> pb.Location:
    return pb.Location(
        carrier=loc.carrier,
        byte_offset=loc.byte_offset,
        byte_length=loc.byte_length,
        bbox=bbox_pb(loc.bbox),
        time_start_ms=loc.time_start_ms,
        time_end_ms=loc.time_end_ms,
        text_start=loc.text_start,
        text_end=loc.text_end,
    )


def signal_pb(signal: Signal) -> pb.Signal:
    return pb.Signal(
        source=signal.source,
        kind=signal.kind,
        confidence=signal.confidence,
        rule_id=signal.rule_id,
        rule_version=signal.rule_version,
        category_hint=int(signal.category_hint),
        location=location_pb(signal.location),
        message=signal.message,
        attributes=dict(signal.attributes),
        label=label_pb(signal.label),
    )


def finding_pb(finding: Finding) -> pb.Finding:
    return pb.Finding(
        label=finding.label,
        message=finding.message,
        score=finding.score,
        suggestion=int(finding.suggestion),
        rule_id=finding.rule_id,
        evidence=list(finding.evidence),
        modifiers=list(finding.modifiers),
        hits=[hit_pb(h) for h in finding.hits],
    )


def hit_pb(hit: Hit) -> pb.Hit:
    return pb.Hit(
        source=hit.source,
        text=hit.text,
        normalized=hit.normalized,
        location=location_pb(hit.location),
        transforms=list(hit.transforms),
    )


def campaign_context(message: pb.CampaignContext) -> CampaignContext:
    """The caller's campaign context (a message left unset gives the empty context)."""
    return CampaignContext(
        surface=message.surface,
        account_type=message.account_type,
        content_type=message.content_type,
        declared_source=message.declared_source,
        licence=message.licence,
    )


def caller_texts(options: pb.CampaignOptions) -> tuple[TextItem, ...]:
    """The texts a caller sends beside content, each named by its field."""
    named = [("title", options.title), ("description", options.description)]
    named += [(f"comments[{i}]", text) for i, text in enumerate(options.comments)]
    return tuple(TextItem(text, source) for source, text in named if text)


def campaign_pb(verdict: CampaignVerdict) -> pb.CampaignVerdict:
    return pb.CampaignVerdict(
        suggestion=int(verdict.suggestion),
        findings=[finding_pb(f) for f in verdict.findings],
        policy_version=verdict.policy_version,
        request_id=verdict.request_id,
        not_evaluated=list(verdict.not_evaluated),
    )


def media_pb(media: MediaInfo) -> pb.MediaInfo:
    return pb.MediaInfo(
        kind=int(media.kind),
        mime_type=media.mime_type,
        format=media.format,
        size_bytes=media.size_bytes,
        sha256=media.sha256,
        width=media.width,
        height=media.height,
    )


def inspection_pb(inspection: Inspection) -> pb.Inspection:
    return pb.Inspection(
        media=media_pb(inspection.media),
        signals=[signal_pb(s) for s in inspection.signals],
        category=int(inspection.category),
        findings=[finding_pb(f) for f in inspection.findings],
        campaign=campaign_pb(inspection.campaign),
        aigc_label=label_pb(inspection.aigc_label),
        policy_version=inspection.policy_version,
    )


def report_pb(report: ComplianceReport, html: str = "") -> pb.ComplianceReport:
    return pb.ComplianceReport(
        compliant=report.compliant,
        checks=[
            pb.ComplianceCheck(
                requirement_id=c.requirement_id,
                title=c.title,
                outcome=int(c.outcome),
                evidence=list(c.evidence),
                reference=c.reference,
            )
            for c in report.checks
        ],
        html=html,
    )


def text_notice_pb(text: str, positions: tuple[str, ...]) -> pb.ExplicitNotice | None:
    return pb.ExplicitNotice(text=text, positions=list(positions)) if text else None


def notice_pb(notice: RenderedNotice | None) -> pb.ExplicitNotice | None:
    if notice is None:
        return None
    return pb.ExplicitNotice(
        text=notice.text,
        corner=int(notice.corner),
        plate=bbox_pb(notice.plate),
        glyph_box=bbox_pb(notice.glyph_box),
        glyph_height_px=notice.glyph_height_px,
        height_ratio=notice.height_ratio,
        font_size=notice.font_size,
    )


def record_pb(record: ProvenanceRecord) -> pb.ProvenanceRecord:
    message = pb.ProvenanceRecord(
        record_id=record.record_id,
        request_id=record.request_id,
        tenant=record.tenant,
        verb=VERB_BY_NAME[record.verb],
        media_kind=media_kind_of(record.media_type),
        mime_type=record.media_type,
        produce_id=record.produce_id,
        propagate_id=record.propagate_id,
        producer_code=record.producer_code,
        propagator_code=record.propagator_code,
        label_value=record.label_value,
        input_sha256=record.input_sha256,
        output_sha256=record.output_sha256,
        labels_applied=[int(a) for a in record.labels_applied],
        model=record.model,
        details=dict(record.details),
        watermark_id=record.watermark_id,
        perceptual_hash=record.perceptual.hex if record.perceptual else "",
        perceptual_kind=record.perceptual.kind if record.perceptual else "",
    )
    message.created_at.FromDatetime(record.created_at)
    return message
