"""The container registry: format name → metadata container. A new format is one line here."""

from __future__ import annotations

from clearmark.core.errors import UnsupportedFormat
from clearmark.media.container import Container
from clearmark.media.jpeg import JPEG
from clearmark.media.png import PNG
from clearmark.media.webp import WEBP

CONTAINERS: dict[str, Container] = {
    "jpeg": JPEG,
    "png": PNG,
    "webp": WEBP,
}


def container_for(format_name: str) -> Container:
    """The container registered for a sniffed format name.

    Raises:
        UnsupportedFormat: no container handles that format yet.
    """
    try:
        return CONTAINERS[format_name]
    except KeyError:
        raise UnsupportedFormat(f"no metadata container for format {format_name!r}") from None
