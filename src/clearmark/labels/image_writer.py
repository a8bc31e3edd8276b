"""Images: a drawn notice, an invisible mark, XMP ``TC260:AIGC`` plus IPTC source type and the notice record.

Animations (GIF) and multi-page files (TIFF) get the notice on every frame or page, so it is on
screen for the whole animation and on every page printed; the invisible mark goes on the first
frame, the one every reader (ours included) decodes. Frame count and timing are kept.
"""

from __future__ import annotations

from PIL import Image

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Corner, MediaKind
from clearmark.labels.image_notice import NoticeSpec, render_image_notice
from clearmark.labels.implicit_image import write_implicit_label
from clearmark.labels.writers import NewLabel, WriterSettings, Written, register_writer
from clearmark.media.asset import Asset
from clearmark.media.metadata import LabelCarrier
from clearmark.media.xmp import NS_CLEARMARK, NS_IPTC_EXT
from clearmark.notice import RenderedNotice, load_notice_font
from clearmark.watermark import embed_watermark, payload_for_produce_id, payload_hex
from clearmark.watermark.image import MIN_EMBED_SIDE


def draw_notice(
    image: Image.Image, text: str, corner: Corner, settings: WriterSettings
) -> tuple[Image.Image, RenderedNotice]:
    """A copy of the image with a visible notice drawn in, and the notice's geometry."""
    spec = NoticeSpec(text=text, corner=corner or settings.notice_corner, height_ratio=settings.notice_height_ratio)
    return render_image_notice(image, spec, load_notice_font(settings.font_path))


@register_writer(MediaKind.IMAGE)
class ImageWriter:
    """Writes image labels; the pixels are re-encoded only when a notice or a mark changed them."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        extra = dict(new.xmp_extra)
        if new.source_type:
            extra[(NS_IPTC_EXT, "DigitalSourceType")] = new.source_type
        applied, warnings = [new.metadata_kind], []
        image, watermark_id = asset.image.image, ""
        frames = asset.image.frames
        notice: RenderedNotice | None = None
        if new.notice_text:
            image, notice = draw_notice(image, new.notice_text, new.corner, settings)
            frames = tuple(draw_notice(frame, new.notice_text, new.corner, settings)[0] for frame in frames)
            extra[(NS_CLEARMARK, "Notice")] = notice.to_json()
            applied.insert(0, AppliedLabel.EXPLICIT_NOTICE)
        # The mark goes on last, over the final pixels: nothing draws over it, and its strength is
        # tuned to what is actually there.
        if new.mark_id and settings.watermark_key:
            if min(image.size) >= MIN_EMBED_SIDE:
                payload = payload_for_produce_id(new.mark_id)
                image, watermark_id = embed_watermark(image, payload, settings.watermark_key), payload_hex(payload)
                applied.insert(1 if notice else 0, AppliedLabel.WATERMARK)
            else:
                warnings.append(f"no invisible watermark: images need {MIN_EMBED_SIDE} px a side to carry it")
        pixels = None
        if image is not asset.image.image:
            codec = asset.spec.pixels
            assert codec is not None
            pixels = codec.encode(
                image,
                asset.image,
                jpeg_quality=settings.jpeg_quality,
                webp_quality=settings.webp_quality,
                frames=frames,
            )
        content = write_implicit_label(asset, new.label, pixels=pixels, extra_properties=extra)
        return Written(
            content,
            tuple(applied),
            notice=notice,
            notice_text=new.notice_text,
            warnings=tuple(warnings),
            watermark_id=watermark_id,
        )

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        content = write_implicit_label(asset, label, target=carrier, extra_properties=dict(xmp_extra))
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))
