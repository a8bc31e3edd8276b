"""Word document (DOCX): the label as custom property ``AIGC`` in docProps/custom.xml."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.documents.ooxml import DOCX, is_flavour
from clearmark.media.format import FormatSpec
from clearmark.media.registry import register_format

SPEC = register_format(
    FormatSpec(
        name="docx",
        kind=MediaKind.DOCUMENT,
        mime_types=("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
        description="Word document (DOCX)",
        matches=is_flavour("docx"),
        precedence=60,  # before a plain ZIP archive
        container=DOCX,
        label_carrier=DOCX.label_carrier,
        text=DOCX,
    )
)
