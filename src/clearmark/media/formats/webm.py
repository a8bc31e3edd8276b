"""WebM video (EBML DocType ``webm``): the label is a global ``Tags/Tag/SimpleTag`` ``AIGC`` (``media.matroska_label``).

The DocType is read from the EBML header (not a substring of the head). c2pa-python 0.38.1 has no
WebM asset type (neither Builder nor Reader lists ``video/webm``): no C2PA here.
"""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import FormatSpec
from clearmark.media.matroska_label import MatroskaContainer, matches_doc_type
from clearmark.media.matroska_tracks import read_matroska_frame_size
from clearmark.media.registry import register_format

CONTAINER = MatroskaContainer("webm")

SPEC = register_format(
    FormatSpec(
        name="webm",
        kind=MediaKind.VIDEO,
        mime_types=("video/webm",),
        description="WebM video",
        matches=matches_doc_type("webm"),
        precedence=50,
        container=CONTAINER,
        label_carrier=CONTAINER.label_carrier,
        frame_size=read_matroska_frame_size,
        streamable=True,
    )
)
