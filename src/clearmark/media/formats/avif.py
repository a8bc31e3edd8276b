"""AVIF container: a HEIF file whose images are AV1; the items, XMP and Exif are HEIF's, the codec is Pillow's own."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import C2paSupport, FormatSpec
from clearmark.media.formats.heif import AVIF_BRANDS, HeifContainer, brand_matches, encode_options, item_fields
from clearmark.media.image_codec import PillowCodec
from clearmark.media.metadata import XmpLabels
from clearmark.media.registry import register_format

AVIF = HeifContainer("avif")

SPEC = register_format(
    FormatSpec(
        name="avif",
        kind=MediaKind.IMAGE,
        mime_types=("image/avif", "image/avif-sequence"),
        description="AVIF image",
        matches=brand_matches(AVIF_BRANDS),
        precedence=55,
        container=XmpLabels(AVIF),
        label_carrier=AVIF.xmp_carrier,
        pixels=PillowCodec("avif", "AVIF", AVIF.read_header, encode_options, animatable=True),
        c2pa=C2paSupport("avif:uuid-c2pa"),
        fields=item_fields,
    )
)
