"""MP4 video (ISO/IEC 14496-14): the label is the ``moov/udta/meta`` ``keys`` entry ``AIGC`` (``media.movie_label``).

c2pa-python 0.38.1 lists ``video/mp4`` among the Builder's and Reader's types and signs it with its
BMFF hash (a top-level ``uuid`` box, D8FEC3D6-1B0E-483C-9297-5828877EC481); tests/media/test_movie_c2pa.py
signs and validates one. Brands: any MP4-family major or compatible brand once HEIF, AVIF, MOV and
M4A (higher precedence) have declined.
"""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import BMFF_C2PA_MEMORY, C2paSupport, FormatSpec
from clearmark.media.formats.movie_brands import MP4_BRANDS, any_brand_in
from clearmark.media.movie_label import MovieContainer
from clearmark.media.movie_tracks import read_movie_frame_size
from clearmark.media.registry import register_format

CONTAINER = MovieContainer("mp4")

SPEC = register_format(
    FormatSpec(
        name="mp4",
        kind=MediaKind.VIDEO,
        mime_types=("video/mp4", "application/mp4", "video/x-m4v"),
        description="MP4 video",
        matches=any_brand_in(MP4_BRANDS),
        precedence=40,
        container=CONTAINER,
        label_carrier=CONTAINER.label_carrier,
        c2pa=C2paSupport("mp4:uuid-c2pa", memory=BMFF_C2PA_MEMORY),
        frame_size=read_movie_frame_size,
        streamable=True,
    )
)
