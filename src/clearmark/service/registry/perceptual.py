"""Perceptual hashes of what the registry records, and the check that a watermark's record fits the content.

A record keeps the perceptual hash of its output (pixels for images, SimHash for text and documents),
so a re-encoded, stripped or resized copy still finds its record, and a watermark copied onto other
content is caught: the mark says record X, but the content's hash is far from X's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from clearmark.core.enums import MediaKind
from clearmark.media.asset import Asset, open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.perceptual import (
    HASH_BITS,
    IMAGE_MATCH_DISTANCE,
    PHASH,
    TEXT_MATCH_DISTANCE,
    hamming,
    text_simhash,
)
from clearmark.media.source import Source

IMAGE = "image"
TEXT = "text"
# The finding when a watermark resolves to a record whose content is not this content.
RECORD_MISMATCH = "watermark.record_mismatch"


@dataclass(frozen=True)
class PerceptualHash:
    """A 64-bit perceptual hash (unsigned) and its kind: ``image`` (DCT pHash) or ``text`` (SimHash)."""

    kind: str
    value: int

    def __post_init__(self) -> None:
        if self.kind not in MATCH_DISTANCE:
            raise ValueError(f"perceptual kind must be one of {sorted(MATCH_DISTANCE)}, not {self.kind!r}")
        if not 0 <= self.value < 1 << HASH_BITS:
            raise ValueError("a perceptual hash is an unsigned 64-bit integer")

    @property
    def hex(self) -> str:
        """Sixteen lowercase hex digits."""
        return f"{self.value:016x}"

    @classmethod
    def from_hex(cls, kind: str, text: str) -> PerceptualHash:
        """Parse sixteen hex digits.

        Raises:
            ValueError: not 16 hex digits or an unknown kind.
        """
        if len(text) != 16:
            raise ValueError("a perceptual hash is 16 hex digits")
        return cls(kind, int(text, 16))


# Hamming distance at or below which two hashes of a kind are taken for the same content.
MATCH_DISTANCE: dict[str, int] = {IMAGE: IMAGE_MATCH_DISTANCE, TEXT: TEXT_MATCH_DISTANCE}


def _image_hash(asset: Asset) -> PerceptualHash:
    # A video's is its middle frame's pHash (kind "image"; see ``media.perceptual.PHASH``).
    return PerceptualHash(IMAGE, asset.view(PHASH))


def _text_hash(asset: Asset) -> PerceptualHash | None:
    text = asset.text.text
    return PerceptualHash(TEXT, text_simhash(text)) if text.strip() else None


# Which hash each modality gets; audio joins here when it lands.
HASHERS: dict[MediaKind, Callable[[Asset], PerceptualHash | None]] = {
    MediaKind.IMAGE: _image_hash,
    MediaKind.VIDEO: _image_hash,
    MediaKind.TEXT: _text_hash,
    MediaKind.DOCUMENT: _text_hash,
}


def perceptual_hash_of(asset: Asset) -> PerceptualHash | None:
    """The asset's perceptual hash, or None for a modality without one (or a text with no words)."""
    hasher = HASHERS.get(asset.kind)
    return None if hasher is None else hasher(asset)


def perceptual_hash_of_content(content: bytes | Path | Source, limits: MediaLimits) -> PerceptualHash | None:
    """Open untrusted bytes (sniffed, bounded) and hash them; for worker processes.

    Raises:
        InvalidMedia, UnsupportedFormat, MediaTooLarge: as ``open_asset`` does.
    """
    return perceptual_hash_of(open_asset(content, limits))


@dataclass(frozen=True)
class BindingCheck:
    """Whether content is the content a record was made for, judged by perceptual hash.

    ``matches`` is None when it cannot be told: the record holds no hash, or one of another kind.
    """

    record_id: str
    kind: str
    distance: int | None
    threshold: int
    matches: bool | None
    recorded_value: int | None = None  # the record's hash (unsigned), for ``watermark.binding.claim_holds``
    content_value: int | None = None  # the content's hash


def check_binding(record_id: str, recorded: PerceptualHash | None, content: PerceptualHash | None) -> BindingCheck:
    """Compare the record's hash with the content's: a copied watermark on other content is a mismatch.

    Args:
        record_id: the record the watermark (or metadata) resolved to.
        recorded: the hash stored with that record (``ProvenanceRecord.perceptual``).
        content: the hash of the content being inspected.
    """
    recorded_value = None if recorded is None else recorded.value
    content_value = None if content is None else content.value
    if recorded is None or content is None or recorded.kind != content.kind:
        kind = (recorded or content).kind if (recorded or content) else ""
        same_kind = recorded is not None and content is not None and recorded.kind == content.kind
        return BindingCheck(
            record_id, kind, None, MATCH_DISTANCE.get(kind, 0), None,
            recorded_value if same_kind or content is None else None, content_value,
        )  # fmt: skip
    distance = hamming(recorded.value, content.value)
    threshold = MATCH_DISTANCE[recorded.kind]
    return BindingCheck(
        record_id, recorded.kind, distance, threshold, distance <= threshold, recorded.value, content.value
    )
