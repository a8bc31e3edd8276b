"""Typed results of the client: frozen dataclasses built from the responses, the raw message kept."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from google.protobuf.message import Message

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Category, Corner, MediaKind, Outcome, Suggestion, Verb
from clearmark.core.signals import (
    BoundingBox,
    CampaignVerdict,
    ComplianceCheck,
    Finding,
    Inspection,
    Location,
    MediaInfo,
    Signal,
)
from clearmark.v1 import clearmark_service_pb2 as api
from clearmark.v1 import types_pb2 as pb

__all__ = [
    "AigcLabel",
    "Inspection",
    "InspectResult",
    "LabelResult",
    "LookupResult",
    "Notice",
    "Record",
    "StampResult",
    "VerifyResult",
    "gb45438_dict",
    "gb45438_json",
]


def gb45438_json(label: AigcLabel) -> str:
    """The label exactly as GB 45438 Appendix E spells it: ``{"AIGC":{"Label":"1",...}}``, in order."""
    return label.to_json(wrapped=True)


def gb45438_dict(label: AigcLabel) -> dict[str, Any]:
    """The same as a dict (``{"AIGC": {"Label": ..., ...}}``)."""
    return json.loads(gb45438_json(label))


@dataclass(frozen=True)
class Notice:
    """The visible notice as drawn: wording, placement and measured glyph height."""

    text: str
    corner: Corner
    plate: BoundingBox | None
    glyph_box: BoundingBox | None
    glyph_height_px: int
    height_ratio: float
    font_size: int
    positions: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """One registry record written by a Stamp or a Label."""

    record_id: str
    request_id: str
    tenant: str
    verb: Verb
    media_kind: MediaKind
    mime_type: str
    produce_id: str
    propagate_id: str
    producer_code: str
    propagator_code: str
    label_value: str
    input_sha256: str
    output_sha256: str
    labels_applied: tuple[AppliedLabel, ...]
    model: str
    created_at: datetime
    details: tuple[tuple[str, str], ...]
    watermark_id: str


@dataclass(frozen=True)
class StampResult:
    """What Stamp did, and the stamped content."""

    content: bytes = field(repr=False)
    request_id: str
    produce_id: str
    input: MediaInfo
    output: MediaInfo
    aigc_label: AigcLabel | None
    labels_applied: tuple[AppliedLabel, ...]
    notice: Notice | None
    record: Record | None
    replayed: bool
    warnings: tuple[str, ...]
    raw: api.StampResult = field(repr=False, compare=False)
    # Where the content went when the call was given ``output=`` (``content`` is then empty).
    output_path: Path | None = None


@dataclass(frozen=True)
class LabelResult:
    """What Label did to an upload, and the content to publish."""

    content: bytes = field(repr=False)
    request_id: str
    label_value: str
    propagate_id: str
    display_notice: str
    modified: bool
    inspection: Inspection
    output: MediaInfo
    aigc_label: AigcLabel | None
    labels_applied: tuple[AppliedLabel, ...]
    notice: Notice | None
    record: Record | None
    replayed: bool
    warnings: tuple[str, ...]
    raw: api.LabelResult = field(repr=False, compare=False)
    # Where the content went when the call was given ``output=`` (``content`` is then empty).
    output_path: Path | None = None


@dataclass(frozen=True)
class InspectResult:
    """Inspect's answer: the Inspection, and the raw response."""

    inspection: Inspection
    raw: api.InspectResponse = field(repr=False, compare=False)

    @property
    def category(self) -> Category:
        """The Art. 6 category."""
        return self.inspection.category

    @property
    def aigc_label(self) -> AigcLabel | None:
        """The single valid metadata label, when there is one."""
        return self.inspection.aigc_label


@dataclass(frozen=True)
class VerifyResult:
    """Verify's answer: every requirement checked, the Inspection and the optional HTML page."""

    compliant: bool
    checks: tuple[ComplianceCheck, ...]
    inspection: Inspection
    html: str = field(repr=False)
    raw: api.VerifyResponse = field(repr=False, compare=False)

    def failed(self) -> tuple[ComplianceCheck, ...]:
        """The checks that failed."""
        return tuple(c for c in self.checks if c.outcome is Outcome.FAIL)


@dataclass(frozen=True)
class LookupResult:
    """Registry records of the caller's tenant, newest first."""

    records: tuple[Record, ...]
    raw: api.LookupResponse = field(repr=False, compare=False)
    # The token of the next page ("" on the last page), and, for similar lookups, each record's distance.
    next_page_token: str = ""
    distances: tuple[tuple[str, int], ...] = ()


def _label(message: pb.AigcLabel, present: bool) -> AigcLabel | None:
    if not present:
        return None
    return AigcLabel(
        label=message.label,
        content_producer=message.content_producer,
        produce_id=message.produce_id,
        reserved_code1=message.reserved_code1,
        content_propagator=message.content_propagator,
        propagate_id=message.propagate_id,
        reserved_code2=message.reserved_code2,
    )


def _has(message: Message, name: str) -> bool:
    return message.HasField(name)


def _bbox(message: Message, name: str) -> BoundingBox | None:
    if not _has(message, name):
        return None
    box = getattr(message, name)
    return BoundingBox(box.x, box.y, box.width, box.height)


def _optional(message: Message, name: str) -> int | None:
    return getattr(message, name) if _has(message, name) else None


def media_info(message: pb.MediaInfo) -> MediaInfo:
    """A MediaInfo message as the domain dataclass."""
    return MediaInfo(
        kind=MediaKind(message.kind),
        mime_type=message.mime_type,
        format=message.format,
        size_bytes=message.size_bytes,
        sha256=message.sha256,
        width=message.width,
        height=message.height,
    )


def _location(message: pb.Location) -> Location:
    return Location(
        carrier=message.carrier,
        byte_offset=_optional(message, "byte_offset"),
        byte_length=_optional(message, "byte_length"),
        bbox=_bbox(message, "bbox"),
        time_start_ms=_optional(message, "time_start_ms"),
        time_end_ms=_optional(message, "time_end_ms"),
        text_start=_optional(message, "text_start"),
        text_end=_optional(message, "text_end"),
    )


def _signal(message: pb.Signal) -> Signal:
    return Signal(
        source=message.source,
        kind=message.kind,
        confidence=message.confidence,
        rule_id=message.rule_id,
        rule_version=message.rule_version,
        category_hint=Category(message.category_hint),
        location=_location(message.location),
        message=message.message,
        attributes=tuple(sorted(message.attributes.items())),
        label=_label(message.label, _has(message, "label")),
    )


def _finding(message: pb.Finding) -> Finding:
    return Finding(
        label=message.label,
        message=message.message,
        score=message.score,
        suggestion=Suggestion(message.suggestion),
        rule_id=message.rule_id,
        evidence=tuple(message.evidence),
        modifiers=tuple(message.modifiers),
    )


def inspection(message: pb.Inspection) -> Inspection:
    """An Inspection message as the domain dataclass."""
    campaign = message.campaign
    return Inspection(
        media=media_info(message.media),
        signals=tuple(_signal(s) for s in message.signals),
        category=Category(message.category),
        findings=tuple(_finding(f) for f in message.findings),
        campaign=CampaignVerdict(
            suggestion=Suggestion(campaign.suggestion),
            findings=tuple(_finding(f) for f in campaign.findings),
            policy_version=campaign.policy_version,
            request_id=campaign.request_id,
            not_evaluated=tuple(campaign.not_evaluated),
        ),
        aigc_label=_label(message.aigc_label, _has(message, "aigc_label")),
        policy_version=message.policy_version,
    )


def _notice(message: Message) -> Notice | None:
    if not _has(message, "notice"):
        return None
    notice: pb.ExplicitNotice = message.notice  # type: ignore[attr-defined]
    return Notice(
        text=notice.text,
        corner=Corner(notice.corner),
        plate=_bbox(notice, "plate"),
        glyph_box=_bbox(notice, "glyph_box"),
        glyph_height_px=notice.glyph_height_px,
        height_ratio=notice.height_ratio,
        font_size=notice.font_size,
        positions=tuple(notice.positions),
    )


def record(message: pb.ProvenanceRecord) -> Record:
    """A ProvenanceRecord message as a dataclass."""
    return Record(
        record_id=message.record_id,
        request_id=message.request_id,
        tenant=message.tenant,
        verb=Verb(message.verb),
        media_kind=MediaKind(message.media_kind),
        mime_type=message.mime_type,
        produce_id=message.produce_id,
        propagate_id=message.propagate_id,
        producer_code=message.producer_code,
        propagator_code=message.propagator_code,
        label_value=message.label_value,
        input_sha256=message.input_sha256,
        output_sha256=message.output_sha256,
        labels_applied=tuple(AppliedLabel(a) for a in message.labels_applied),
        model=message.model,
        created_at=message.created_at.ToDatetime(tzinfo=UTC),
        details=tuple(sorted(message.details.items())),
        watermark_id=message.watermark_id,
    )


def _record_of(message: Message) -> Record | None:
    return record(message.record) if _has(message, "record") else None  # type: ignore[attr-defined]


def stamp_result(result: api.StampResult, content: bytes, output: str | os.PathLike[str] | None = None) -> StampResult:
    """Stamp's result message and output bytes as a StampResult."""
    return StampResult(
        content=content,
        request_id=result.request_id,
        produce_id=result.produce_id,
        input=media_info(result.input),
        output=media_info(result.output),
        aigc_label=_label(result.aigc_label, _has(result, "aigc_label")),
        labels_applied=tuple(AppliedLabel(a) for a in result.labels_applied),
        notice=_notice(result),
        record=_record_of(result),
        replayed=result.replayed,
        warnings=tuple(result.warnings),
        raw=result,
        output_path=Path(output) if output is not None else None,
    )


def label_result(result: api.LabelResult, content: bytes, output: str | os.PathLike[str] | None = None) -> LabelResult:
    """Label's result message and output bytes as a LabelResult."""
    return LabelResult(
        content=content,
        request_id=result.request_id,
        label_value=result.label_value,
        propagate_id=result.propagate_id,
        display_notice=result.display_notice,
        modified=result.modified,
        inspection=inspection(result.inspection),
        output=media_info(result.output),
        aigc_label=_label(result.aigc_label, _has(result, "aigc_label")),
        labels_applied=tuple(AppliedLabel(a) for a in result.labels_applied),
        notice=_notice(result),
        record=_record_of(result),
        replayed=result.replayed,
        warnings=tuple(result.warnings),
        raw=result,
        output_path=Path(output) if output is not None else None,
    )


def inspect_result(response: api.InspectResponse) -> InspectResult:
    """An InspectResponse as an InspectResult."""
    return InspectResult(inspection=inspection(response.inspection), raw=response)


def verify_result(response: api.VerifyResponse) -> VerifyResult:
    """A VerifyResponse as a VerifyResult."""
    report = response.report
    return VerifyResult(
        compliant=report.compliant,
        checks=tuple(
            ComplianceCheck(
                requirement_id=c.requirement_id,
                title=c.title,
                outcome=Outcome(c.outcome),
                evidence=tuple(c.evidence),
                reference=c.reference,
            )
            for c in report.checks
        ),
        inspection=inspection(response.inspection),
        html=report.html,
        raw=response,
    )


def lookup_result(response: api.LookupResponse) -> LookupResult:
    """A LookupResponse as a LookupResult."""
    return LookupResult(
        records=tuple(record(r) for r in response.records),
        raw=response,
        next_page_token=response.next_page_token,
        distances=tuple(sorted(response.distances.items())),
    )
