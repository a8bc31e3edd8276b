"""Matroska video (EBML DocType ``matroska``): the label is a global ``SimpleTag`` ``AIGC`` (``media.matroska_label``).

c2pa-python 0.38.1 has no Matroska asset type: no C2PA here.
"""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import FormatSpec
from clearmark.media.matroska_label import MatroskaContainer, matches_doc_type
from clearmark.media.matroska_tracks import read_matroska_frame_size
from clearmark.media.registry import register_format

CONTAINER = MatroskaContainer("mkv")

SPEC = register_format(
    FormatSpec(
        name="mkv",
        kind=MediaKind.VIDEO,
        mime_types=("video/x-matroska",),
        description="Matroska video",
        matches=matches_doc_type("matroska"),
        precedence=50,
        container=CONTAINER,
        label_carrier=CONTAINER.label_carrier,
        frame_size=read_matroska_frame_size,
        streamable=True,
    )
)
