"""MPEG-4 audio (major brand ``M4A ``/``M4B ``…): the MP4 ``udta/meta`` ``keys`` label (``media.movie_label``).

An audio modality on the video container: the audio verbs decode it with PyAV; the label, read and
written here, is the same ``AIGC`` key as in MP4. c2pa-python 0.38.1 signs and reads ``audio/mp4``
(tests/media/test_movie_c2pa.py).
"""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.media.format import C2paSupport, FormatSpec
from clearmark.media.formats.movie_brands import M4A_BRANDS, major_brand_in
from clearmark.media.movie_label import MovieContainer
from clearmark.media.registry import register_format

CONTAINER = MovieContainer("m4a")

SPEC = register_format(
    FormatSpec(
        name="m4a",
        kind=MediaKind.AUDIO,
        mime_types=("audio/mp4", "audio/x-m4a", "audio/m4a"),
        description="MPEG-4 audio",
        matches=major_brand_in(M4A_BRANDS),
        precedence=50,
        container=CONTAINER,
        label_carrier=CONTAINER.label_carrier,
        c2pa=C2paSupport("m4a:uuid-c2pa"),
        streamable=True,
    )
)
