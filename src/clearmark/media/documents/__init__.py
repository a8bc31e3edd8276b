"""Text and document containers (plain text, Markdown, PDF, OOXML): labels, text, explicit notices."""

from clearmark.media.documents.container import (
    DocumentContainer,
    DocumentLabelCarrier,
    DocumentMetadata,
    ExtractedText,
    NoticePosition,
    TextSegment,
)
from clearmark.media.documents.metadata import read_document_metadata
from clearmark.media.documents.pdf import PdfContainer, PdfSignature, PdfWrite, signatures
from clearmark.media.documents.registry import DOCUMENT_CONTAINERS, document_container_for

__all__ = [
    "DOCUMENT_CONTAINERS",
    "DocumentContainer",
    "DocumentLabelCarrier",
    "DocumentMetadata",
    "ExtractedText",
    "NoticePosition",
    "PdfContainer",
    "PdfSignature",
    "PdfWrite",
    "TextSegment",
    "document_container_for",
    "read_document_metadata",
    "signatures",
]
