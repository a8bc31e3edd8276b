"""The document container registry: sniffed format name → text/document container. A new format is one line."""

from __future__ import annotations

from clearmark.core.errors import UnsupportedFormat
from clearmark.media.documents.container import DocumentContainer
from clearmark.media.documents.docx import DOCX, PPTX, XLSX
from clearmark.media.documents.markdown import MARKDOWN
from clearmark.media.documents.pdf import PDF
from clearmark.media.documents.text import PLAIN_TEXT

DOCUMENT_CONTAINERS: dict[str, DocumentContainer] = {
    "text": PLAIN_TEXT,
    "markdown": MARKDOWN,
    "pdf": PDF,
    "docx": DOCX,
    "xlsx": XLSX,
    "pptx": PPTX,
}


def document_container_for(format_name: str) -> DocumentContainer:
    """The container registered for a sniffed text/document format name.

    Raises:
        UnsupportedFormat: no document container handles that format.
    """
    try:
        return DOCUMENT_CONTAINERS[format_name]
    except KeyError:
        raise UnsupportedFormat(f"no document container for format {format_name!r}") from None
