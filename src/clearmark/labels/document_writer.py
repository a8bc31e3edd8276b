"""Text and documents: a notice line at the configured positions, and the format's own label carrier."""

from __future__ import annotations

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, MediaKind
from clearmark.core.errors import LabelConflict, UnsupportedFormat
from clearmark.labels.text_notice import TextNoticeSpec, add_text_notice, notice_positions, write_document_label
from clearmark.labels.writers import NewLabel, WriterSettings, Written, register_writer
from clearmark.media.asset import Asset
from clearmark.media.metadata import LabelCarrier


@register_writer(MediaKind.TEXT, MediaKind.DOCUMENT)
class DocumentWriter:
    """Writes text and document labels; a format without a metadata place relies on its notice."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        content, applied, warnings = asset.data, [], []
        notice_text = new.notice_text
        positions: tuple[str, ...] = ()
        blocked = asset.spec.notice_blocked_by_signature
        if notice_text and blocked is not None and blocked(asset.data):
            warnings.append(
                f"the {asset.spec.description} is signed: a visible notice would invalidate its signature, none drawn"
            )
            notice_text = ""
        if notice_text:
            spec = TextNoticeSpec(notice_text, notice_positions(settings.text_notice_positions))
            content = add_text_notice(content, asset.spec, spec, limits=asset.limits, font_path=settings.font_path)
            applied.append(AppliedLabel.EXPLICIT_NOTICE)
            positions = settings.text_notice_positions
        try:
            content = write_document_label(content, asset.spec, new.label, limits=asset.limits)
            applied.append(new.metadata_kind)
        except UnsupportedFormat as error:
            if error.reason != "NO_METADATA_CONTAINER":
                raise
            warnings.append(
                f"{asset.spec.description} has no standard metadata container (GB 45438): the file relies on "
                "its explicit notice"
            )
        return Written(
            content, tuple(applied), notice_text=notice_text, notice_positions=positions, warnings=tuple(warnings)
        )

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        if not carrier.standard and not asset.spec.compat_labels_updatable:
            raise LabelConflict(
                f"the label sits in {carrier.carrier}, not the format's standard carrier; updating it would "
                "write a second label"
            )
        content = write_document_label(asset.data, asset.spec, label, limits=asset.limits)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))
