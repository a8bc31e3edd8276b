"""Label: a platform checks an upload (Art. 6) and adds the labels it owes, never touching the producer's."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Category, Corner
from clearmark.core.errors import LabelConflict
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Inspection, MediaInfo
from clearmark.detectors.iptc import TRAINED_ALGORITHMIC_MEDIA
from clearmark.labels.c2pa_manifest import ACTION_EDITED_METADATA, ACTION_PUBLISHED
from clearmark.labels.writers import NewLabel, writer_for
from clearmark.media.asset import Asset, open_asset
from clearmark.media.source import Content, Source, as_content
from clearmark.notice import RenderedNotice
from clearmark.service.pipelines.claims import ContentClaim
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.guards import check_party_code
from clearmark.service.pipelines.ids import derive_id
from clearmark.service.pipelines.inspect import inspect_asset
from clearmark.service.pipelines.signing import c2pa_pointer, c2pa_too_large, sign_c2pa, validated_parent
from clearmark.service.pipelines.workers import registry_view
from clearmark.service.policy import Decision
from clearmark.service.registry.evidence import restored_label
from clearmark.service.registry.perceptual import PerceptualHash, perceptual_hash_of


@dataclass(frozen=True)
class LabelJob:
    """One Label request, validated at the edge, ready for a worker."""

    request_id: str
    tenant: str
    content: bytes | Source
    platform_code: str
    user_declared_ai: bool = False
    notice_text: str = ""
    notice_corner: Corner = Corner.CORNER_UNSPECIFIED
    skip_visible_notice: bool = False
    # Mixed into the PropagateID; the service sends a fresh random one per new request.
    id_salt: str = ""
    claim: ContentClaim | None = None
    # The request's work directory, where file outputs go; the caller owns and removes it.
    work_dir: Path | None = None


@dataclass(frozen=True)
class LabelOutcome:
    """What Label decided and wrote: the content is bytes, or a file (in the job's work directory, or
    the upload itself when nothing was written)."""

    content: Content
    inspection: Inspection
    output: MediaInfo
    label_value: str
    label: AigcLabel | None
    propagate_id: str
    labels_applied: tuple[AppliedLabel, ...]
    display_notice: str
    notice: RenderedNotice | None
    modified: bool
    warnings: tuple[str, ...] = ()
    c2pa_manifest: str = ""
    notice_text: str = ""
    notice_positions: tuple[str, ...] = ()
    watermark_id: str = ""
    # The output's perceptual hash, for the registry record.
    perceptual: PerceptualHash | None = None


# What an explicit notice that is itself the label (plain text) says, as a Label value.
LABEL_VALUE_BY_NOTICE = {Category.AI_GENERATED: "1", Category.AI_POSSIBLE: "2", Category.AI_SUSPECTED: "3"}


def new_label_value(category: Category, user_declared: bool) -> str:
    """Art. 6 for an upload without an implicit label: "2" when the user declared AI (case 2), else "3"
    when anything detected says AI, a valid C2PA AI manifest included (case 3), else none."""
    if user_declared:
        return "2"
    return "3" if category in (Category.AI_SUSPECTED, Category.AI_POSSIBLE, Category.AI_GENERATED) else ""


def _existing_label_value(decision: Decision) -> str:
    values = [s.label.label for s in decision.label_signals if s.label is not None]
    return min((v for v in values if v in {"1", "2", "3"}), default="")


def _unchanged(
    asset: Asset, inspection: Inspection, value: str, config: PipelineConfig, warnings: list[str]
) -> LabelOutcome:
    return LabelOutcome(
        content=as_content(asset.source),
        inspection=inspection,
        output=inspection.media,
        label_value=value,
        label=inspection.aigc_label,
        propagate_id="",
        labels_applied=(),
        display_notice=config.notice_text_for(value),
        notice=None,
        modified=False,
        warnings=tuple(warnings),
        perceptual=perceptual_hash_of(asset),
    )


def _marked(inspection: Inspection) -> bool:
    return any(s.kind == SignalKind.WATERMARK_CLEARMARK for s in inspection.signals)


def _notice_heard(inspection: Inspection) -> bool:
    return any(s.kind == SignalKind.AUDIO_RHYTHM for s in inspection.signals)


def label_content(job: LabelJob, config: PipelineConfig) -> LabelOutcome:
    """Apply Art. 6: keep a producer's label and add propagator fields, restore the producer's label
    from the record our mark resolves to, or write Label "2"/"3".

    The GB 45438 fields go in first, then the platform signs a C2PA manifest with the upload as
    parent ingredient, so the producer's history survives.
    """
    warnings = check_party_code(job.platform_code, "options.platform_code", config.producer_code_policy)
    asset = open_asset(job.content, config.limits)
    inspection, decision = inspect_asset(
        asset, config, job.request_id, user_declared=job.user_declared_ai, claim=job.claim, tenant=job.tenant
    )
    carriers = asset.metadata.label_carriers
    propagate_id = derive_id("CMP", job.tenant, job.request_id, "propagate", job.id_salt)
    writer = writer_for(asset.kind)
    settings = replace(config.writer_settings, work_dir=job.work_dir)
    pointer = c2pa_pointer(asset.spec, config)

    if carriers:
        value = _existing_label_value(decision)
        single = carriers[0] if len(carriers) == 1 and carriers[0].parsed is not None else None
        if single is None or value == "":
            # Duplicate or malformed labels: writing would pick one or add a second. Report instead.
            warnings.append("existing label is duplicated or malformed; no propagator fields written")
            return _unchanged(asset, inspection, value, config, warnings)
        label = single.parsed.label.with_propagator(job.platform_code, propagate_id)
        display = config.notice_text_for(value)
        try:
            written = writer.update(asset, single, label, settings, pointer)
        except LabelConflict as conflict:
            warnings.append(conflict.message)
            return _unchanged(asset, inspection, value, config, warnings)
    else:
        if decision.notice_labels:
            # The producer's notice is the label of a format without a metadata place: keep it, add nothing.
            notice_value = min(LABEL_VALUE_BY_NOTICE.get(s.category_hint, "3") for s in decision.notice_labels)
            return _unchanged(asset, inspection, notice_value, config, warnings)
        # Our mark resolved to its Stamp record (the decision's AI_GENERATED): the record is the
        # producer's label, stripped from this copy; restore it with the platform's fields (case 1).
        restored = (
            restored_label(inspection.signals, registry_view(config.registry_url)) if config.registry_url else None
        )
        value = "1" if restored is not None else new_label_value(inspection.category, job.user_declared_ai)
        if not value:
            return _unchanged(asset, inspection, value, config, warnings)
        label = (
            restored.with_propagator(job.platform_code, propagate_id)
            if restored is not None
            else AigcLabel(value, "", "", "", job.platform_code, propagate_id, "")
        )
        display = job.notice_text or config.notice_text_for(value)
        # An explicit label already there (audio's rhythm, heard) is not added a second time.
        draws = config.platform_draws_notice and not job.skip_visible_notice and not _notice_heard(inspection)
        new = NewLabel(
            label,
            AppliedLabel.METADATA_PROPAGATOR,
            notice_text=display if draws else "",
            corner=job.notice_corner,
            source_type=TRAINED_ALGORITHMIC_MEDIA if value == "1" else "",  # Label 2 and 3 have none
            # A platform marks what it redraws anyway, and never adds a second mark.
            mark_id=propagate_id if draws and not _marked(inspection) else "",
            xmp_extra=pointer,
        )
        written = writer.write_new(asset, new, settings)

    asset.drop_frames()  # Inspect's samples: c2pa's hold of the asset comes next, not on top (admission)
    output, manifest_label = sign_c2pa(
        written.content,
        asset.spec,
        config,
        action=ACTION_PUBLISHED,
        source_type=TRAINED_ALGORITHMIC_MEDIA if value == "1" else "",
        software_agent=job.platform_code,
        label=label,
        soft_binding=written.watermark_id,
        parent=True,
        parent_content=asset.source,  # the upload as it arrived: the producer's manifest stays whole
        parent_store=validated_parent(asset, config),  # as Inspect's c2pa pass read it: not hashed again
        extra_actions=(ACTION_EDITED_METADATA,),
        work_dir=job.work_dir,
    )
    applied = list(written.applied) + ([AppliedLabel.C2PA_MANIFEST] if manifest_label else [])
    if too_large := c2pa_too_large(asset.spec, written.content, config):
        warnings.append(too_large)
    output_asset = open_asset(output, config.limits)
    return LabelOutcome(
        content=output,
        inspection=inspection,
        output=output_asset.info(),
        perceptual=perceptual_hash_of(output_asset),
        label_value=value,
        label=label,
        propagate_id=propagate_id,
        labels_applied=tuple(applied),
        display_notice=display,
        notice=written.notice,
        modified=True,
        warnings=tuple(warnings) + written.warnings,
        c2pa_manifest=manifest_label,
        notice_text=written.notice_text,
        notice_positions=written.notice_positions,
        watermark_id=written.watermark_id,
    )
