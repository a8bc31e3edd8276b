"""What a command prints: one JSON shape for every verb, and human text in words, not enum names."""

from __future__ import annotations

import json
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from clearmark.core.aigc import AigcLabel
from clearmark.core.errors import ClearMarkError
from clearmark.service.errors import ZH_CN_BY_CODE, ZH_CN_BY_REASON, status_code_for
from clearmark.v1 import types_pb2 as pb

SCHEMA = "clearmark.cli/v1"

CATEGORY_WORDS: dict[int, str] = {
    pb.CATEGORY_UNSPECIFIED: "undecided",
    pb.CATEGORY_NO_SIGNAL: "no sign of AI generation",
    pb.CATEGORY_AI_SUSPECTED: "suspected AI-generated (traces only)",
    pb.CATEGORY_AI_POSSIBLE: "possibly AI-generated (declared by the user)",
    pb.CATEGORY_AI_GENERATED: "AI-generated",
}
OUTCOME_WORDS: dict[int, str] = {
    pb.OUTCOME_UNSPECIFIED: "undecided",
    pb.OUTCOME_PASS: "pass",
    pb.OUTCOME_FAIL: "FAIL",
    pb.OUTCOME_NOT_APPLICABLE: "n/a",
    pb.OUTCOME_INCONCLUSIVE: "inconclusive",
}
APPLIED_WORDS: dict[int, str] = {
    pb.APPLIED_LABEL_UNSPECIFIED: "unspecified",
    pb.APPLIED_LABEL_EXPLICIT_NOTICE: "explicit notice",  # visible, or audible (audio)
    pb.APPLIED_LABEL_METADATA_PRODUCER: "metadata label (producer)",
    pb.APPLIED_LABEL_METADATA_PROPAGATOR: "metadata label (platform)",
    pb.APPLIED_LABEL_C2PA_MANIFEST: "C2PA manifest",
    pb.APPLIED_LABEL_WATERMARK: "invisible watermark",
}
SUGGESTION_WORDS: dict[int, str] = {
    pb.SUGGESTION_UNSPECIFIED: "undecided",
    pb.SUGGESTION_PASS: "pass",
    pb.SUGGESTION_REVIEW: "review",
    pb.SUGGESTION_BLOCK: "block",
}
VERB_WORDS: dict[int, str] = {pb.VERB_UNSPECIFIED: "?", pb.VERB_STAMP: "stamp", pb.VERB_LABEL: "label"}
CORNER_WORDS: dict[int, str] = {
    pb.CORNER_UNSPECIFIED: "default corner",
    pb.CORNER_BOTTOM_RIGHT: "bottom right",
    pb.CORNER_BOTTOM_LEFT: "bottom left",
    pb.CORNER_TOP_RIGHT: "top right",
    pb.CORNER_TOP_LEFT: "top left",
    pb.CORNER_BOTTOM_EDGE: "bottom edge",
    pb.CORNER_TOP_EDGE: "top edge",
}


def message_dict(message: Message) -> dict[str, Any]:
    """A message as proto3 JSON with the proto field names (enum values by name)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def gb45438(label: pb.AigcLabel | None) -> dict[str, Any] | None:
    """The label exactly as GB 45438 spells it: ``{"AIGC": {"Label": ..., ...}}`` in the standard's order."""
    if label is None:
        return None
    domain = AigcLabel(
        label=label.label,
        content_producer=label.content_producer,
        produce_id=label.produce_id,
        reserved_code1=label.reserved_code1,
        content_propagator=label.content_propagator,
        propagate_id=label.propagate_id,
        reserved_code2=label.reserved_code2,
    )
    return {"AIGC": domain.as_ordered_dict()}


def error_dict(error: BaseException) -> dict[str, Any]:
    """An error as JSON: the gRPC code, a stable reason, the message, violations, and zh-CN."""
    from clearmark.client.errors import ServiceError

    if isinstance(error, ServiceError):
        code, reason = error.code, error.reason
        chinese = error.message_in("zh-CN")
    elif isinstance(error, ClearMarkError):
        code, reason = status_code_for(error), error.reason
        chinese = ZH_CN_BY_REASON.get(reason) or ZH_CN_BY_CODE.get(code, "")
    elif isinstance(error, OSError):
        code, reason, chinese = grpc.StatusCode.FAILED_PRECONDITION, "IO_ERROR", "无法读取或写入文件。"
    else:
        code, reason, chinese = grpc.StatusCode.INVALID_ARGUMENT, "USAGE", "命令行参数有误。"
    message = error.message if isinstance(error, ClearMarkError) else str(error)
    violations = error.violations if isinstance(error, ClearMarkError) else ()
    return {
        "code": code.name,
        "reason": reason,
        "message": message,
        "message_zh": chinese,
        "violations": [{"field": v.field, "description": v.description} for v in violations],
    }


def envelope(
    verb: str,
    source: str,
    output: str | None,
    exit_code: int,
    response: Message | None = None,
    label: pb.AigcLabel | None = None,
    error: BaseException | None = None,
) -> dict[str, Any]:
    """The one JSON shape of every verb's result, per input.

    ``response`` is the RPC's response message in proto3 JSON (proto field names), without the
    content bytes (they went to ``output``); ``gb45438`` is the label as the standard spells it.
    """
    body = message_dict(response) if response is not None else None
    if body is not None:
        body.pop("content", None)
    return {
        "schema": SCHEMA,
        "verb": verb,
        "input": source,
        "output": output,
        "ok": error is None,
        "exit_code": exit_code,
        "response": body,
        "gb45438": gb45438(label),
        "error": error_dict(error) if error is not None else None,
    }


def dumps(document: dict[str, Any]) -> str:
    """One line of JSON (JSON Lines: one object per input), non-ASCII kept."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _label_line(label: pb.AigcLabel) -> str:
    return "label: " + json.dumps(gb45438(label), ensure_ascii=False, separators=(",", ":"))


def inspection_text(inspection: pb.Inspection) -> list[str]:
    """An Inspection in words."""
    media = inspection.media
    size = f" {media.width}x{media.height}" if media.width else ""
    lines = [
        f"{media.mime_type}{size}, sha256 {media.sha256}",
        f"category: {CATEGORY_WORDS[inspection.category]}",
    ]
    if inspection.HasField("aigc_label"):
        lines.append(_label_line(inspection.aigc_label))
    lines += [f"  signal {s.kind} ({s.source}): {s.message}" for s in inspection.signals]
    lines += [f"  finding {f.label}: {f.message}" for f in inspection.findings]
    campaign = inspection.campaign
    lines.append(f"campaign: {SUGGESTION_WORDS[campaign.suggestion]}")
    lines += [
        f"  {SUGGESTION_WORDS[f.suggestion]:<6} {f.label}: {'; '.join(f.evidence[:3])}" for f in campaign.findings
    ]
    if campaign.not_evaluated:
        lines.append(f"  not evaluated: {', '.join(campaign.not_evaluated)}")
    return lines


def stamp_text(response: Message, output: str) -> list[str]:
    result = response.result  # type: ignore[attr-defined]
    applied = ", ".join(APPLIED_WORDS[a] for a in result.labels_applied) or "none"
    lines = [f"wrote {output}: ProduceID {result.produce_id}", f"labels: {applied}"]
    if result.HasField("notice") and result.notice.text:
        notice = result.notice
        where = ", ".join(notice.positions) if notice.positions else CORNER_WORDS[notice.corner]
        ratio = f", glyphs {notice.height_ratio:.1%} of the shortest side" if notice.height_ratio else ""
        lines.append(f"notice: {notice.text} ({where}{ratio})")
    if result.replayed:
        lines.append("replayed: this request id was seen before; the first result is returned again")
    lines += [f"warning: {w}" for w in result.warnings]
    return lines


def label_text(response: Message, output: str) -> list[str]:
    result = response.result  # type: ignore[attr-defined]
    applied = ", ".join(APPLIED_WORDS[a] for a in result.labels_applied) or "none"
    lines = [
        f"wrote {output}: Label {result.label_value or '-'} "
        f"({'modified' if result.modified else 'unchanged'}), PropagateID {result.propagate_id or '-'}",
        f"category: {CATEGORY_WORDS[result.inspection.category]}",
        f"show around the content: {result.display_notice or 'nothing'}",
        f"labels: {applied}",
    ]
    lines += [f"  finding {f.label}: {f.message}" for f in result.inspection.findings]
    lines += [f"warning: {w}" for w in result.warnings]
    return lines


def inspect_text(response: Message, output: str) -> list[str]:
    return inspection_text(response.inspection)  # type: ignore[attr-defined]


def verify_text(response: Message, output: str) -> list[str]:
    report = response.report  # type: ignore[attr-defined]
    lines = ["compliant" if report.compliant else "NOT compliant"]
    for check in report.checks:
        evidence = "; ".join(check.evidence)
        lines.append(f"  {OUTCOME_WORDS[check.outcome]:<12} {check.requirement_id}: {evidence}")
    return lines


def lookup_text(response: Message, output: str) -> list[str]:
    distances = response.distances  # type: ignore[attr-defined]
    return [
        (f"distance {distances[r.record_id]:>2}/64  " if r.record_id in distances else "")
        + f"{r.created_at.ToJsonString()} {VERB_WORDS[r.verb]} {r.produce_id or '-'} {r.propagate_id or '-'} "
        f"Label {r.label_value or '-'} {r.mime_type or '-'} out {r.output_sha256}"
        for r in response.records  # type: ignore[attr-defined]
    ]
