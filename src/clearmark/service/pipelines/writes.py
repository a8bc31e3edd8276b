"""Per-modality writers the Stamp and Label pipelines share: a new label (with its notice), or an update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Corner, MediaKind
from clearmark.core.errors import LabelConflict, UnsupportedFormat
from clearmark.detectors.c2pa_manifest import C2PA_POINTER
from clearmark.labels.implicit_image import write_implicit_label
from clearmark.labels.text_notice import TextNoticeSpec, add_text_notice, notice_positions, write_document_label
from clearmark.media.asset import Asset
from clearmark.media.documents import signatures
from clearmark.media.image_codec import encode_image
from clearmark.media.metadata import LabelCarrier
from clearmark.media.xmp import NS_CLEARMARK, NS_IPTC_EXT
from clearmark.notice import RenderedNotice
from clearmark.service.pipelines.common import PipelineConfig, draw_notice
from clearmark.watermark import embed_watermark, payload_for_produce_id, payload_hex
from clearmark.watermark.image import MIN_EMBED_SIDE


@dataclass(frozen=True)
class Written:
    """What a writer produced: the bytes, the labels applied, the notice, anything the caller must know."""

    content: bytes
    applied: tuple[AppliedLabel, ...]
    notice: RenderedNotice | None = None
    notice_text: str = ""
    notice_positions: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    watermark_id: str = ""


class ModalityWriter(Protocol):
    """Writes labels into one modality's files; never decides policy."""

    def write_new(
        self,
        asset: Asset,
        label: AigcLabel,
        *,
        metadata_kind: AppliedLabel,
        notice_text: str,
        corner: Corner,
        source_type: str,
        config: PipelineConfig,
        mark_id: str = "",
    ) -> Written:
        """The content with a new label and, unless ``notice_text`` is empty, its explicit notice.

        ``mark_id`` (a ProduceID or PropagateID) asks for an invisible watermark carrying its
        registry key, where the modality has one and the deployment embeds marks.
        """
        ...

    def update(self, asset: Asset, carrier: LabelCarrier, label: AigcLabel, config: PipelineConfig) -> Written:
        """The content with an existing label's carrier rewritten in place (propagator fields).

        Raises:
            LabelConflict: the carrier cannot be rewritten without writing a second label.
        """
        ...


def _c2pa_pointer(asset: Asset, config: PipelineConfig) -> dict[tuple[str, str], str]:
    """The XMP pointer to the manifest about to be signed (none when this content gets no manifest)."""
    return {(NS_CLEARMARK, C2PA_POINTER): "embedded"} if config.signs_c2pa(asset.format.mime_type) else {}


class ImageWriter:
    """Images: a drawn notice, an invisible mark, XMP ``TC260:AIGC`` plus IPTC source type and the notice record."""

    def write_new(
        self,
        asset: Asset,
        label: AigcLabel,
        *,
        metadata_kind: AppliedLabel,
        notice_text: str,
        corner: Corner,
        source_type: str,
        config: PipelineConfig,
        mark_id: str = "",
    ) -> Written:
        extra = _c2pa_pointer(asset, config)
        if source_type:
            extra[(NS_IPTC_EXT, "DigitalSourceType")] = source_type
        applied, warnings = [metadata_kind], []
        image, watermark_id = asset.image.image, ""
        notice: RenderedNotice | None = None
        if notice_text:
            image, notice = draw_notice(image, notice_text, corner, config)
            extra[(NS_CLEARMARK, "Notice")] = notice.to_json()
            applied.insert(0, AppliedLabel.EXPLICIT_NOTICE)
        # The mark goes on last, over the final pixels: nothing draws over it, and its strength is
        # tuned to what is actually there.
        key = config.detectors.watermark_key
        if mark_id and config.watermark_embed and key:
            if min(image.size) >= MIN_EMBED_SIDE:
                payload = payload_for_produce_id(mark_id)
                image, watermark_id = embed_watermark(image, payload, key), payload_hex(payload)
                applied.insert(1 if notice else 0, AppliedLabel.WATERMARK)
            else:
                warnings.append(f"no invisible watermark: images need {MIN_EMBED_SIDE} px a side to carry it")
        pixels = None
        if image is not asset.image.image:
            pixels = encode_image(
                image, asset.image, jpeg_quality=config.jpeg_quality, webp_quality=config.webp_quality
            )
        content = write_implicit_label(asset, label, pixels=pixels, extra_properties=extra)
        return Written(
            content,
            tuple(applied),
            notice=notice,
            notice_text=notice_text,
            warnings=tuple(warnings),
            watermark_id=watermark_id,
        )

    def update(self, asset: Asset, carrier: LabelCarrier, label: AigcLabel, config: PipelineConfig) -> Written:
        content = write_implicit_label(asset, label, target=carrier, extra_properties=_c2pa_pointer(asset, config))
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))


class DocumentWriter:
    """Text and documents: a notice line at the configured positions, the format's own label carrier."""

    def write_new(
        self,
        asset: Asset,
        label: AigcLabel,
        *,
        metadata_kind: AppliedLabel,
        notice_text: str,
        corner: Corner,
        source_type: str,
        config: PipelineConfig,
        mark_id: str = "",
    ) -> Written:
        content, applied, warnings = asset.data, [], []
        positions: tuple[str, ...] = ()
        if notice_text and asset.format.format == "pdf" and signatures(asset.data):
            warnings.append("the PDF is signed: a visible notice would invalidate its certification, none drawn")
            notice_text = ""
        if notice_text:
            spec = TextNoticeSpec(notice_text, notice_positions(config.text_notice_positions))
            content = add_text_notice(content, asset.format, spec, limits=asset.limits, font_path=config.font_path)
            applied.append(AppliedLabel.EXPLICIT_NOTICE)
            positions = config.text_notice_positions
        try:
            content = write_document_label(content, asset.format, label, limits=asset.limits)
            applied.append(metadata_kind)
        except UnsupportedFormat as error:
            if error.reason != "NO_METADATA_CONTAINER":
                raise
            warnings.append(
                f"{asset.format.format} has no standard metadata container (GB 45438): the file relies on "
                "its explicit notice"
            )
        return Written(
            content, tuple(applied), notice_text=notice_text, notice_positions=positions, warnings=tuple(warnings)
        )

    def update(self, asset: Asset, carrier: LabelCarrier, label: AigcLabel, config: PipelineConfig) -> Written:
        if not getattr(carrier, "standard", True) and asset.format.format != "markdown":
            raise LabelConflict(
                f"the label sits in {carrier.carrier}, not the format's standard carrier; updating it would "
                "write a second label"
            )
        content = write_document_label(asset.data, asset.format, label, limits=asset.limits)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))


WRITERS: dict[MediaKind, ModalityWriter] = {
    MediaKind.IMAGE: ImageWriter(),
    MediaKind.TEXT: DocumentWriter(),
    MediaKind.DOCUMENT: DocumentWriter(),
}
