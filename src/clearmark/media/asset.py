"""An Asset: untrusted bytes, sniffed once, with their decoded pixels and metadata read lazily."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia, MediaTooLarge, UnsupportedFormat
from clearmark.core.signals import MediaInfo
from clearmark.media.container import ImageHeader
from clearmark.media.documents.container import DocumentContainer, DocumentMetadata, ExtractedText
from clearmark.media.documents.metadata import read_document_metadata
from clearmark.media.documents.registry import document_container_for
from clearmark.media.image_codec import DecodedImage, decode_image
from clearmark.media.limits import MediaLimits
from clearmark.media.metadata import ImageMetadata, read_image_metadata
from clearmark.media.registry import container_for
from clearmark.media.sniff import FormatInfo, sniff_format

# The modalities whose bytes this build can open (video and audio come with their issues).
READABLE_KINDS = frozenset({MediaKind.IMAGE, MediaKind.TEXT, MediaKind.DOCUMENT})


@dataclass(frozen=True)
class Asset:
    """One piece of content as detectors and writers see it; nothing here trusts the client."""

    data: bytes
    format: FormatInfo
    limits: MediaLimits
    # A detached C2PA manifest store the client sent with the content (empty: none).
    c2pa_sidecar: bytes = b""

    @cached_property
    def sha256(self) -> str:
        """Hex SHA-256 of the bytes."""
        return hashlib.sha256(self.data).hexdigest()

    @property
    def kind(self) -> MediaKind:
        """The sniffed modality."""
        return self.format.kind

    @cached_property
    def image(self) -> DecodedImage:
        """The decoded pixels (images only), within the configured limits."""
        return decode_image(self.data, self.format, self.limits)

    @property
    def is_textual(self) -> bool:
        """True for text and documents (plain text, Markdown, PDF, OOXML)."""
        return self.kind in (MediaKind.TEXT, MediaKind.DOCUMENT)

    @cached_property
    def metadata(self) -> ImageMetadata | DocumentMetadata:
        """Every metadata carrier of the file, parsed defensively (images and documents alike)."""
        if self.is_textual:
            return read_document_metadata(self.data, self.format, self.limits)
        return read_image_metadata(self.data, self.format, self.limits)

    @cached_property
    def document(self) -> DocumentContainer:
        """The container of a text/document format (raises UnsupportedFormat for other kinds)."""
        return document_container_for(self.format.format)

    @cached_property
    def text(self) -> ExtractedText:
        """The readable text of a text/document, with pages, paragraphs or character offsets."""
        return self.document.extract_text(self.data, limits=self.limits)

    @cached_property
    def header(self) -> ImageHeader:
        """Dimensions and coding as the container header declares them, without decoding pixels."""
        return container_for(self.format.format).read_header(self.data, limits=self.limits)

    def info(self) -> MediaInfo:
        """The sniffed description of the bytes, with the header's dimensions for images."""
        width = height = 0
        if self.kind is MediaKind.IMAGE:
            width, height = self.header.width, self.header.height
        return MediaInfo(
            kind=self.kind,
            mime_type=self.format.mime_type,
            format=self.format.format,
            size_bytes=len(self.data),
            sha256=self.sha256,
            width=width,
            height=height,
        )


def open_asset(data: bytes, limits: MediaLimits, *, kinds: frozenset[MediaKind] = READABLE_KINDS) -> Asset:
    """Sniff the bytes and check the size limit; only the given modalities are accepted.

    Raises:
        MediaTooLarge: more bytes than the limit allows.
        InvalidMedia: empty or unrecognisable bytes.
        UnsupportedFormat: a recognised format this build does not handle yet.
    """
    if len(data) > limits.max_bytes:
        raise MediaTooLarge(f"content is {len(data)} bytes, the limit is {limits.max_bytes}")
    if not data:
        raise InvalidMedia("content is empty")
    fmt = sniff_format(data)
    if fmt.kind not in kinds:
        supported = ", ".join(sorted(kind.name.lower() for kind in kinds))
        raise UnsupportedFormat(
            f"{fmt.mime_type} ({fmt.kind.name.lower()}) is not supported yet; supported: {supported}"
        )
    return Asset(data=data, format=fmt, limits=limits)
