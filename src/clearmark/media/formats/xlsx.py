"""Excel workbook (XLSX): the label as custom property ``AIGC`` in docProps/custom.xml."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.documents.ooxml import XLSX, is_flavour
from clearmark.media.format import FormatSpec
from clearmark.media.registry import register_format

SPEC = register_format(
    FormatSpec(
        name="xlsx",
        kind=MediaKind.DOCUMENT,
        mime_types=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
        description="Excel workbook (XLSX)",
        matches=is_flavour("xlsx"),
        precedence=60,  # before a plain ZIP archive
        container=XLSX,
        label_carrier=XLSX.label_carrier,
        text=XLSX,
    )
)
