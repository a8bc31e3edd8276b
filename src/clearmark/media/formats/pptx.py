"""PowerPoint deck (PPTX): the label as custom property ``AIGC`` in docProps/custom.xml."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.documents.ooxml import PPTX, is_flavour
from clearmark.media.format import FormatSpec
from clearmark.media.registry import register_format

SPEC = register_format(
    FormatSpec(
        name="pptx",
        kind=MediaKind.DOCUMENT,
        mime_types=("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
        description="PowerPoint deck (PPTX)",
        matches=is_flavour("pptx"),
        precedence=60,  # before a plain ZIP archive
        container=PPTX,
        label_carrier=PPTX.label_carrier,
        text=PPTX,
    )
)
