"""The byte-level metadata blocks of an image file (XMP packets, compat text carriers) and bounded byte helpers."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Protocol

from clearmark.core.errors import InvalidMedia, MediaTooLarge
from clearmark.media.format import ImageHeader
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits, enforce_limit


@dataclass(frozen=True)
class XmpPacketSpan:
    """One XMP packet found in a file.

    ``offset``/``length`` cover the whole enclosing segment or chunk (marker, length and checksum
    included): that is the byte range a writer replaces. ``standard`` is False for fragments that
    are not a standalone packet (JPEG ExtendedXMP); ``conforming`` is False for a standalone packet
    in a place the format's guide does not name (a JPEG APP1 with a non-Adobe header).
    """

    carrier: str
    offset: int
    length: int
    packet: bytes
    standard: bool = True
    notes: tuple[str, ...] = ()
    conforming: bool = True


@dataclass(frozen=True)
class CarrierText:
    """A compat label carrier (PNG ``AIGC`` text chunk, EXIF UserComment) and the text it holds.

    ``offset``/``length`` cover the enclosing chunk or segment; a writer finds it again there.
    ``wrapped_form`` says which JSON form writers use here: ``{"AIGC":{…}}`` (True) or bare.
    """

    carrier: str
    offset: int
    length: int
    text: str
    wrapped_form: bool
    notes: tuple[str, ...] = ()


class ImageBlocks(Protocol):
    """Structure-level reader/writer of one image format's metadata blocks; never touches pixel data."""

    name: str

    def read_header(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> ImageHeader:
        """Dimensions and coding declared by the header."""
        ...

    def read_xmp_packets(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[XmpPacketSpan]:
        """Every XMP packet (standard or not) in file order."""
        ...

    def read_text_carriers(self, data: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> list[CarrierText]:
        """Every compat label carrier in file order."""
        ...

    def write_xmp(self, data: bytes, packet: bytes, *, limits: MediaLimits = DEFAULT_LIMITS) -> bytes:
        """The file with its one standard XMP packet replaced, or a new one inserted."""
        ...

    def write_text_carrier(
        self, data: bytes, carrier: CarrierText, new_text: str, *, limits: MediaLimits = DEFAULT_LIMITS
    ) -> bytes:
        """The file with one compat carrier rewritten in place to hold ``new_text``."""
        ...


def read_uint(data: bytes, offset: int, size: int, *, big_endian: bool = True, what: str = "field") -> int:
    """An unsigned integer at ``offset``, or InvalidMedia when it lies outside ``data``."""
    if offset < 0 or offset + size > len(data):
        raise InvalidMedia(f"truncated {what}: needs bytes {offset}..{offset + size} of {len(data)}")
    return int.from_bytes(data[offset : offset + size], "big" if big_endian else "little")


class ByteBudget:
    """A running total of metadata bytes read from one file, capped by a named limit."""

    def __init__(self, name: str, limit: int) -> None:
        self._name = name
        self._limit = limit
        self._spent = 0

    def spend(self, amount: int, what: str) -> None:
        """Add ``amount`` bytes; raise MediaTooLarge once the total passes the limit."""
        self._spent += amount
        enforce_limit(self._name, self._spent, self._limit, what=f"{what}: total metadata bytes")


def inflate_capped(payload: bytes, limits: MediaLimits, budget: ByteBudget, what: str) -> bytes:
    """zlib-inflate ``payload`` without ever producing more than ``max_inflated_text_bytes``.

    Raises:
        MediaTooLarge: the inflated text would exceed the cap (a decompression bomb).
        InvalidMedia: the stream is not valid zlib data.
    """
    cap = limits.max_inflated_text_bytes
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(payload, cap + 1)
    except zlib.error as exc:
        raise InvalidMedia(f"{what} holds corrupt compressed data: {exc}") from None
    if len(text) > cap or inflater.unconsumed_tail:
        raise MediaTooLarge(f"{what} inflates beyond max_inflated_text_bytes={cap}", reason="MEDIA_TOO_LARGE")
    budget.spend(len(text), what)
    return text


def split_nul(data: bytes, start: int, *, what: str) -> tuple[bytes, int]:
    """The bytes from ``start`` up to the next NUL, and the index after that NUL."""
    end = data.find(b"\x00", start)
    if end < 0:
        raise InvalidMedia(f"{what} lacks its NUL separator")
    return data[start:end], end + 1
