"""Stamp: a producer's content gets the visible notice, the implicit label and IPTC provenance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Corner
from clearmark.core.errors import FieldViolation, InvalidRequest, LabelConflict
from clearmark.core.security_data import PRODUCER_FIELDS, build_security_data, fields_message
from clearmark.core.signals import MediaInfo
from clearmark.detectors.iptc import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA, TRAINED_ALGORITHMIC_MEDIA
from clearmark.labels.c2pa_manifest import ACTION_CREATED, ACTION_EDITED
from clearmark.labels.writers import NewLabel, writer_for
from clearmark.media.asset import open_asset
from clearmark.media.c2pa_store import read_manifest_report
from clearmark.media.source import Content, Source
from clearmark.notice import RenderedNotice
from clearmark.service.pipelines.claims import ContentClaim, claim_problems
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.guards import check_party_code
from clearmark.service.pipelines.ids import derive_id
from clearmark.service.pipelines.signing import c2pa_pointer, c2pa_too_large, sign_c2pa
from clearmark.service.registry.perceptual import PerceptualHash, perceptual_hash_of


@dataclass(frozen=True)
class StampJob:
    """One Stamp request, validated at the edge, ready for a worker."""

    request_id: str
    tenant: str
    content: bytes | Source
    producer_code: str
    model: str = ""
    prompt_id: str = ""
    notice_text: str = ""
    notice_corner: Corner = Corner.CORNER_UNSPECIFIED
    omit_visible_notice: bool = False
    omit_reason: str = ""
    recipient: str = ""
    # Mixed into the ProduceID; the service sends a fresh random one per new request.
    id_salt: str = ""
    claim: ContentClaim | None = None
    # The request's work directory, where file outputs go; the caller owns and removes it.
    work_dir: Path | None = None


@dataclass(frozen=True)
class StampOutcome:
    """What Stamp produced: the labelled content (bytes, or a file in the job's work directory) and the
    facts the registry keeps."""

    content: Content
    input: MediaInfo
    output: MediaInfo
    produce_id: str
    label: AigcLabel
    notice: RenderedNotice | None
    labels_applied: tuple[AppliedLabel, ...]
    warnings: tuple[str, ...] = ()
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    notice_text: str = ""
    notice_positions: tuple[str, ...] = ()
    watermark_id: str = ""
    # The output's perceptual hash, for the registry record.
    perceptual: PerceptualHash | None = None


def _check_omission(job: StampJob) -> None:
    if job.omit_visible_notice and not (job.omit_reason and job.recipient):
        raise InvalidRequest(
            "omitting the visible notice needs omit_reason and recipient (Measures Art. 9 log duty)",
            violations=(FieldViolation("options.omit_reason", "required with omit_visible_notice"),),
        )


def stamp_content(job: StampJob, config: PipelineConfig) -> StampOutcome:
    """Label freshly generated content with every label this build writes.

    Raises:
        LabelConflict: the content already carries someone's metadata label (never overwritten).
        InvalidRequest: bad producer code, notice wording, or an omission without its log fields.
    """
    warnings = check_party_code(job.producer_code, "options.producer_code", config.producer_code_policy)
    _check_omission(job)
    asset = open_asset(job.content, config.limits)
    # Stamp has no findings: a claim the bytes contradict is a warning (the sniffed format is stamped).
    warnings += [
        f"content_header: {problem}; stamped as what the bytes are" for problem in claim_problems(asset, job.claim)
    ]
    existing = asset.metadata.label_carriers
    if existing:
        raise LabelConflict(
            f"the content already carries a GB 45438 label in {existing[0].carrier}; a producer never "
            "overwrites another label — a platform adds its fields with Label",
            violations=(FieldViolation(existing[0].carrier, existing[0].raw_text[:200]),),
        )
    produce_id = derive_id("CM", job.tenant, job.request_id, "produce", job.id_salt)
    label = AigcLabel("1", job.producer_code, produce_id, "", job.producer_code, produce_id, "")
    if config.sm2_signer is not None:  # TC260 SecurityData over the producer's fields
        security = build_security_data(config.sm2_signer, fields_message(label, PRODUCER_FIELDS))
        label = replace(label, reserved_code1=security)
    # Content that arrives with its own C2PA history is an AI edit of it: keep it as parent ingredient.
    ai_edit = (
        config.signs_c2pa(asset.spec)
        and not c2pa_too_large(asset.spec, asset.source, config)  # c2pa reads it whole, as it signs
        and asset.source.contains(b"c2pa")  # the JUMBF label of every manifest store; skips the reader otherwise
        and read_manifest_report(asset.source, asset.spec.mime_type) is not None
    )
    source_type = COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA if ai_edit else TRAINED_ALGORITHMIC_MEDIA
    new = NewLabel(
        label,
        AppliedLabel.METADATA_PRODUCER,
        notice_text="" if job.omit_visible_notice else job.notice_text or config.notice_text_generated,
        corner=job.notice_corner,
        source_type=source_type,
        mark_id=produce_id,
        xmp_extra=c2pa_pointer(asset.spec, config),
    )
    settings = replace(config.writer_settings, work_dir=job.work_dir)
    written = writer_for(asset.kind).write_new(asset, new, settings)
    output, manifest_label = sign_c2pa(
        written.content,
        asset.spec,
        config,
        action=ACTION_EDITED if ai_edit else ACTION_CREATED,
        source_type=source_type,
        software_agent=job.model or "unspecified model",
        label=label,
        soft_binding=written.watermark_id,
        parent=ai_edit,
        parent_content=asset.source,
        work_dir=job.work_dir,
    )
    applied = list(written.applied) + ([AppliedLabel.C2PA_MANIFEST] if manifest_label else [])
    warnings += written.warnings
    if too_large := c2pa_too_large(asset.spec, written.content, config):
        warnings.append(too_large)
    notice = written.notice
    details = [("model", job.model), ("prompt_id", job.prompt_id), ("c2pa_manifest", manifest_label)]
    if job.omit_visible_notice:
        details += [("notice_omitted_reason", job.omit_reason), ("notice_omitted_recipient", job.recipient)]
    if notice is not None:
        details.append(("notice", notice.to_json()))
    output_asset = open_asset(output, config.limits)
    # The hash first: for a video it decodes the output's middle frame and, in the same opening of the
    # file, reads what ``info()`` needs (one probe per file: the input's was the writer's).
    perceptual = perceptual_hash_of(output_asset)
    return StampOutcome(
        content=output,
        input=asset.info(),
        output=output_asset.info(),
        perceptual=perceptual,
        produce_id=produce_id,
        label=label,
        notice=notice,
        labels_applied=tuple(applied),
        warnings=tuple(warnings),
        notice_text=written.notice_text,
        notice_positions=written.notice_positions,
        watermark_id=written.watermark_id,
        details=tuple((k, v) for k, v in details if v),
    )
