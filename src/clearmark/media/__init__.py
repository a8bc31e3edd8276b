"""What a file is and what it carries: sniffing, safe image decoding, and per-container metadata."""

from clearmark.media.container import CarrierText, Container, ImageHeader, XmpPacketSpan
from clearmark.media.image_codec import DecodedImage, decode_image, encode_image
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import (
    ImageMetadata,
    LabelCarrier,
    ParsedXmp,
    read_image_metadata,
    write_image_label,
)
from clearmark.media.registry import CONTAINERS, container_for
from clearmark.media.sniff import FormatInfo, sniff_format
from clearmark.media.xmp import (
    NS_CLEARMARK,
    NS_DC,
    NS_IPTC_EXT,
    NS_PHOTOSHOP,
    NS_RDF,
    NS_TC260,
    NS_X,
    NS_XMP,
    XmpDocument,
)

__all__ = [
    "CONTAINERS",
    "DEFAULT_LIMITS",
    "NS_CLEARMARK",
    "NS_DC",
    "NS_IPTC_EXT",
    "NS_PHOTOSHOP",
    "NS_RDF",
    "NS_TC260",
    "NS_X",
    "NS_XMP",
    "CarrierText",
    "Container",
    "DecodedImage",
    "FormatInfo",
    "ImageHeader",
    "ImageMetadata",
    "LabelCarrier",
    "MediaLimits",
    "ParsedXmp",
    "XmpDocument",
    "XmpPacketSpan",
    "container_for",
    "decode_image",
    "encode_image",
    "read_image_metadata",
    "sniff_format",
    "write_image_label",
]
