"""Every GB 45438 label a text or document carries, read through the document container registry."""

from __future__ import annotations

from clearmark.media.documents.container import DocumentMetadata
from clearmark.media.documents.registry import document_container_for
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.sniff import FormatInfo


def read_document_metadata(data: bytes, fmt: FormatInfo, limits: MediaLimits = DEFAULT_LIMITS) -> DocumentMetadata:
    """The label carriers of a text/document in document order (standard and compat places alike).

    Raises:
        InvalidMedia: malformed structure or hostile XML (reason ``HOSTILE_XML``).
        MediaTooLarge: a size, count or decompression limit was exceeded.
        UnsupportedFormat: no document container for ``fmt``, or an encrypted file.
    """
    carriers = document_container_for(fmt.format).read_labels(data, limits=limits)
    return DocumentMetadata(label_carriers=tuple(carriers))
