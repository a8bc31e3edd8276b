"""Text-valued metadata fields (EXIF, PNG text chunks, XMP) as generator-fingerprint rules read them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from clearmark.core.errors import InvalidMedia
from clearmark.core.signals import Location
from clearmark.media import exif


@dataclass(frozen=True)
class TextField:
    """One text-valued metadata field: the rule-facing name, its text, where it lies, and carrier details."""

    name: str
    text: str
    location: Location
    details: tuple[tuple[str, str], ...] = ()


def exif_fields(blocks: list[exif.ExifBlock]) -> Iterator[TextField]:
    """The text fields of EXIF blocks; a malformed block yields nothing (it is not evidence either way)."""
    for block in blocks:
        try:
            fields = exif.read_text_fields(block.tiff)
        except InvalidMedia:
            continue
        for field in fields:
            yield TextField(
                f"exif:{field.name}",
                field.text,
                Location(
                    carrier=f"{block.carrier}:{field.name}",
                    byte_offset=block.offset + field.value_offset,
                    byte_length=field.length,
                ),
                (("tag", f"0x{field.tag:04X}"), ("ifd", field.ifd)),
            )
