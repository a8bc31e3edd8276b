"""QuickTime movie (major brand ``qt  ``): the same ``udta/meta`` ``keys`` label as MP4 (``media.movie_label``).

c2pa-python 0.38.1 signs and reads ``video/quicktime`` through the same BMFF hashing as MP4
(tests/media/test_movie_c2pa.py).
"""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import BMFF_C2PA_MEMORY, C2paSupport, FormatSpec
from clearmark.media.formats.movie_brands import MOV_BRANDS, major_brand_in
from clearmark.media.movie_label import MovieContainer
from clearmark.media.movie_tracks import read_movie_frame_size
from clearmark.media.registry import register_format

CONTAINER = MovieContainer("mov")

SPEC = register_format(
    FormatSpec(
        name="mov",
        kind=MediaKind.VIDEO,
        mime_types=("video/quicktime",),
        description="QuickTime movie",
        matches=major_brand_in(MOV_BRANDS),
        precedence=50,
        container=CONTAINER,
        label_carrier=CONTAINER.label_carrier,
        c2pa=C2paSupport("mov:uuid-c2pa", memory=BMFF_C2PA_MEMORY),
        frame_size=read_movie_frame_size,
        streamable=True,
    )
)
