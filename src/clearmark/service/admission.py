"""Memory admission: what a request will cost to decode, read from its header, checked before any work starts.

A 190 KB PNG of zero rows or a 2 KB lossless WebP can declare 7000x7000 pixels and inflate to
gigabytes in a worker. The decode cost is known from the header alone (pixels x bytes per pixel x
the copies a pipeline holds at once), so a request is refused before decoding when it alone is
over the per-request budget, and waits for room (or is refused at once when the wait would be
long) when admitting it would put the whole server over its budget.

A video is sized by its frame: the format's pure-Python header reader (``FormatSpec.frame_size``:
MP4/MOV ``tkhd`` and ``stsd``, Matroska ``Tracks``) gives the largest declared frame, and a job holds
about ``video_frames`` of them at its peak: the 19 frames the detectors sample (luma and displayed
RGB, 4 bytes a pixel) plus the decoder's, or a re-encode's frames in flight (measured in
``bench/bench_video_admission.py``).

C2PA: c2pa-python holds an MP4/MOV whole to sign it (~2.05x the file) and to validate it (~1.05x);
``C2paSupport.memory`` has the measured factors and, up to ``max_c2pa_whole_asset_bytes``, a request
reserves that too, as the largest of the three holds, not their sum. Signing comes after the frame
work: Stamp re-encodes, then signs; Label drops Inspect's sampled frames before it signs
(``Asset.drop_frames``), and the freed heap goes back to the OS first (``core.memory.release_free_memory``:
without it a 1080p Label kept ~120 MiB of frames under c2pa's hold). Validation is the C2PA detector:
the detectors run one after another, so it ends before the frames are sampled and is not added to
them (the sum would refuse a 200 MB 4K Inspect under the default cap).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import Enum

from clearmark.core.enums import MediaKind
from clearmark.core.errors import ClearMarkError, MediaTooLarge, Overloaded
from clearmark.media.asset import Asset

# Pillow keeps RGB and RGBA pixels in 4 bytes, and every mode decoders hand us widens to one of them.
BYTES_PER_PIXEL = 4
# Text and documents: parse trees and extracted text, as a multiple of the file's size.
DOCUMENT_EXPANSION = 4
# Frames of a video job's peak, each at 4 bytes a pixel: Inspect's 19 samples peaked at 22 frames,
# Stamp's re-encode at 28-33 (1080p and 4K, libx264 on 2 cores; bench/bench_video_admission.py).
VIDEO_FRAMES = 32


class C2paUse(Enum):
    """What a verb has c2pa do with the whole asset: validate its manifest (Inspect, Verify) or sign one
    (Stamp, Label; Label validates the upload's first, which costs less)."""

    READ = "validation"
    SIGN = "signing"


@dataclass(frozen=True)
class MemoryEstimate:
    """What one request is expected to hold in a worker at its peak.

    ``c2pa_bytes`` is what c2pa holds to sign or validate the asset whole, ``c2pa_read_bytes`` what it
    holds to validate it (0 where the format's cost is not measured or the asset is past
    ``max_c2pa_whole_asset_bytes``, so c2pa never holds it). None of them is counted on top of another
    (module docstring).
    """

    kind: MediaKind
    pixels: int
    bytes_per_pixel: int
    copies: int
    size_bytes: int
    c2pa_bytes: int = 0
    c2pa_use: C2paUse | None = None
    c2pa_asset_mib: int = 0
    c2pa_read_bytes: int = 0

    @property
    def decode_bytes(self) -> int:
        """Decoded pixels for images and video, an expansion of the file for documents."""
        if self.pixels:
            return self.pixels * self.bytes_per_pixel * self.copies + self.size_bytes
        return self.size_bytes * DOCUMENT_EXPANSION

    @property
    def total_bytes(self) -> int:
        """Peak bytes: the decode work, c2pa's validation or c2pa's signing, whichever holds most."""
        return max(self.decode_bytes, self.c2pa_read_bytes, self.c2pa_bytes)

    def describe(self) -> str:
        """What the peak is made of, for a refusal's message."""
        if max(self.c2pa_bytes, self.c2pa_read_bytes) > self.decode_bytes:
            use = self.c2pa_use.value if self.c2pa_use else C2paUse.READ.value
            return f"C2PA {use} holds the {self.c2pa_asset_mib} MiB asset whole"
        if self.pixels:
            unit = "frames" if self.kind is MediaKind.VIDEO else "copies"
            return f"{self.pixels} pixels x {self.bytes_per_pixel} bytes x {self.copies} {unit}"
        return f"{self.size_bytes} bytes x {DOCUMENT_EXPANSION}"


def c2pa_memory(asset: Asset, use: C2paUse | None) -> int:
    """What c2pa holds to ``use`` the asset whole: its format's measured cost, 0 where none is measured,
    signing does not apply, or the asset is past the format's C2PA size limit (c2pa is not called)."""
    support = asset.spec.c2pa
    if use is None or support is None or support.memory is None:
        return 0
    if support.size_limit(asset.limits).exceeded_by(asset.size):
        return 0
    if use is C2paUse.SIGN and support.signs and not support.signs_in_pieces:
        return support.memory.signing_bytes(asset.size)
    return support.memory.reading_bytes(asset.size)


def estimate_memory(
    asset: Asset, copies: int, video_frames: int = VIDEO_FRAMES, c2pa: C2paUse | None = None
) -> MemoryEstimate:
    """The peak memory of working on ``asset``, from its header only (no pixel is decoded).

    ``c2pa`` says what the verb has c2pa do with the whole asset (``c2pa_memory``); the estimate's
    peak is the largest of that, the validation a signing verb does first, and the decode work.

    An image whose header cannot be read is estimated by its size: the pipeline reports the
    damage in its own way (Inspect turns some of it into findings), and it decodes nothing.
    A video is its largest declared frame x ``video_frames`` (the largest frame the limits allow
    when a video track declares no size; by its bytes, as a document, when it has no video track:
    no frame is decoded). Text and documents count the bytes a reader may hold at once (at most
    ``max_bytes``).

    Raises:
        MediaTooLarge: the header declares dimensions over the media limits.
        InvalidMedia: a video container whose structure the header reader cannot walk (no ``moov``
            or ``Tracks``, a box or element past the end): FFmpeg could not play it either.
    """
    # Content past max_bytes is only ever read in pieces (text, PDF on disk), never held whole.
    size = min(asset.size, asset.limits.max_bytes)
    held = c2pa_memory(asset, c2pa)
    read = c2pa_memory(asset, C2paUse.READ if c2pa is not None else None)
    c2pa_fields = (held, c2pa if held else None, asset.size // 2**20, read)
    if asset.spec.frame_size is not None:
        frame = asset.spec.frame_size(asset.source, asset.limits)
        if frame is None:
            return MemoryEstimate(asset.kind, 0, 0, video_frames, size, *c2pa_fields)
        pixels = frame.pixels or asset.limits.max_video_pixels
        return MemoryEstimate(asset.kind, pixels, BYTES_PER_PIXEL, video_frames, size, *c2pa_fields)
    if asset.kind is MediaKind.IMAGE:
        try:
            header = asset.header
        except MediaTooLarge:
            raise
        except ClearMarkError:
            return MemoryEstimate(asset.kind, 0, 0, copies, size, *c2pa_fields)
        return MemoryEstimate(asset.kind, header.width * header.height, BYTES_PER_PIXEL, copies, size, *c2pa_fields)
    return MemoryEstimate(asset.kind, 0, 0, copies, size, *c2pa_fields)


class MemoryBudget:
    """A server-wide memory budget that requests reserve their estimate from while they run.

    Args:
        total_bytes: what all admitted requests together may hold.
        per_request_bytes: what one request may hold; more is refused before decoding.
        video_request_bytes: the same for a video (its frames are bounded by the video limits, and a
            4K clip needs about 1.1 GiB); ``per_request_bytes`` when not given.
        wait_s: how long a request that fits its own budget may wait for room before it is refused.
    """

    def __init__(
        self,
        total_bytes: int,
        per_request_bytes: int,
        *,
        video_request_bytes: int | None = None,
        wait_s: float = 5.0,
    ) -> None:
        self.total_bytes = total_bytes
        self.per_request_bytes = min(per_request_bytes, total_bytes)
        self.video_request_bytes = min(
            per_request_bytes if video_request_bytes is None else video_request_bytes, total_bytes
        )
        self.wait_s = wait_s
        self.in_use = 0
        self._room: asyncio.Condition | None = None

    def check(self, estimate: MemoryEstimate) -> None:
        """Refuse a request that could never be admitted.

        Raises:
            MediaTooLarge: the estimate is over the per-request budget.
        """
        need = estimate.total_bytes
        allowed = self.video_request_bytes if estimate.kind is MediaKind.VIDEO else self.per_request_bytes
        if need > allowed:
            advice = (
                "; past max_c2pa_whole_asset_bytes the labels are written without a C2PA manifest"
                if estimate.c2pa_bytes
                else ""
            )
            raise MediaTooLarge(
                f"working on this content would need about {need // 2**20} MiB ({estimate.describe()}); the "
                f"per-request memory budget is {allowed // 2**20} MiB{advice}",
                reason="MEMORY_BUDGET",
            )

    @asynccontextmanager
    async def reserve(self, estimate: MemoryEstimate) -> AsyncIterator[None]:
        """Hold ``estimate`` against the server budget for the block's duration.

        Raises:
            MediaTooLarge: over the per-request budget.
            Overloaded: no room came free within ``wait_s`` (retry later).
        """
        self.check(estimate)
        need = estimate.total_bytes
        if self._room is None:
            self._room = asyncio.Condition()
        async with self._room:
            try:
                await asyncio.wait_for(self._room.wait_for(lambda: self.in_use + need <= self.total_bytes), self.wait_s)
            except TimeoutError:
                raise Overloaded(
                    f"the server's memory budget is in use ({self.in_use // 2**20} of "
                    f"{self.total_bytes // 2**20} MiB); retry later",
                    reason="MEMORY_BUDGET_BUSY",
                ) from None
            self.in_use += need
        try:
            yield
        finally:
            async with self._room:
                self.in_use -= need
                self._room.notify_all()
