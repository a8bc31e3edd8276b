"""What a file is and what it carries: the format registry, content sources, safe decoding, metadata."""

from clearmark.media.asset import Asset, open_asset
from clearmark.media.container import CarrierText, ImageBlocks, XmpPacketSpan
from clearmark.media.format import (
    C2paSupport,
    Container,
    DecodedImage,
    FormatSpec,
    ImageHeader,
    StreamingContainer,
    write_label_file,
)
from clearmark.media.image_codec import decode_image, encode_image
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.metadata import LabelCarrier, Metadata, ParsedXmp, XmpLabels
from clearmark.media.registry import all_formats, format_for_mime, format_named, supported_formats
from clearmark.media.sniff import sniff_format
from clearmark.media.source import Source
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
    "DEFAULT_LIMITS",
    "NS_CLEARMARK",
    "NS_DC",
    "NS_IPTC_EXT",
    "NS_PHOTOSHOP",
    "NS_RDF",
    "NS_TC260",
    "NS_X",
    "NS_XMP",
    "Asset",
    "C2paSupport",
    "CarrierText",
    "Container",
    "DecodedImage",
    "FormatSpec",
    "ImageBlocks",
    "ImageHeader",
    "LabelCarrier",
    "MediaLimits",
    "Metadata",
    "ParsedXmp",
    "Source",
    "StreamingContainer",
    "XmpDocument",
    "XmpLabels",
    "XmpPacketSpan",
    "all_formats",
    "decode_image",
    "encode_image",
    "format_for_mime",
    "format_named",
    "open_asset",
    "sniff_format",
    "supported_formats",
    "write_label_file",
]
