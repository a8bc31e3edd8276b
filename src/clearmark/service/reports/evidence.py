"""What a report shows beside the verdict: a thumbnail with boxes, a text excerpt, the C2PA ingredient tree."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

from clearmark.core.enums import MediaKind
from clearmark.core.errors import ClearMarkError
from clearmark.media.asset import open_asset
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.c2pa_store import C2paIngredient, read_manifest_report
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source

THUMBNAIL_SIDE = 480
EXCERPT_CHARS = 800


@dataclass(frozen=True)
class Thumbnail:
    """A small JPEG of the picture as a data URI, and the factor that maps image pixels onto it."""

    data_uri: str
    width: int
    height: int
    scale: float


@dataclass(frozen=True)
class ContentView:
    """What the report can show of the content itself: a thumbnail, or an excerpt of its text."""

    thumbnail: Thumbnail | None = None
    excerpt: str = ""


def content_view(content: bytes | Source | None, limits: MediaLimits) -> ContentView:
    """A thumbnail of an image or of a video's first frame, or the start of a text's words; else empty."""
    if content is None or content == b"":
        return ContentView()
    try:
        asset = open_asset(content, limits)
        if asset.kind is MediaKind.IMAGE:
            return ContentView(thumbnail=_thumbnail(asset.image.image))
        if asset.kind is MediaKind.VIDEO:  # the start screen as displayed, where the notice boxes were read
            from PIL import Image

            from clearmark.media.video import sample_frames

            _, (first, *_) = sample_frames(asset.source, limits, (0.0,))
            return ContentView(thumbnail=_thumbnail(Image.fromarray(first.rgb)))
        if asset.is_textual:
            return ContentView(excerpt=asset.text.text[:EXCERPT_CHARS])
    except ClearMarkError:
        pass
    return ContentView()


def _thumbnail(image: object) -> Thumbnail:
    from PIL import Image

    assert isinstance(image, Image.Image)
    scale = min(1.0, THUMBNAIL_SIDE / max(image.size))
    small = image.convert("RGB").resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=80)
    uri = "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
    return Thumbnail(uri, small.width, small.height, scale)


def ingredient_tree(content: bytes | Source | None, mime_type: str, trust: C2paTrust) -> tuple[C2paIngredient, ...]:
    """The manifest's ingredients in tree order with their depth (empty without a readable manifest)."""
    if content is None or content == b"":
        return ()
    try:
        report = read_manifest_report(content, mime_type, trust)
    except ClearMarkError:
        return ()
    return () if report is None else report.ingredients
