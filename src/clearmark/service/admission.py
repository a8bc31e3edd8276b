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
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

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


@dataclass(frozen=True)
class MemoryEstimate:
    """What one request is expected to hold in a worker at its peak."""

    kind: MediaKind
    pixels: int
    bytes_per_pixel: int
    copies: int
    size_bytes: int

    @property
    def total_bytes(self) -> int:
        """Peak bytes: decoded pixels for images, an expansion of the file for documents."""
        if self.pixels:
            return self.pixels * self.bytes_per_pixel * self.copies + self.size_bytes
        return self.size_bytes * DOCUMENT_EXPANSION


def estimate_memory(asset: Asset, copies: int, video_frames: int = VIDEO_FRAMES) -> MemoryEstimate:
    """The peak memory of working on ``asset``, from its header only (no pixel is decoded).

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
    if asset.spec.frame_size is not None:
        frame = asset.spec.frame_size(asset.source, asset.limits)
        if frame is None:
            return MemoryEstimate(asset.kind, 0, 0, video_frames, size)
        pixels = frame.pixels or asset.limits.max_video_pixels
        return MemoryEstimate(asset.kind, pixels, BYTES_PER_PIXEL, video_frames, size)
    if asset.kind is MediaKind.IMAGE:
        try:
            header = asset.header
        except MediaTooLarge:
            raise
        except ClearMarkError:
            return MemoryEstimate(asset.kind, 0, 0, copies, size)
        return MemoryEstimate(asset.kind, header.width * header.height, BYTES_PER_PIXEL, copies, size)
    return MemoryEstimate(asset.kind, 0, 0, copies, size)


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
            what = (
                f"{estimate.pixels} pixels x {estimate.bytes_per_pixel} bytes x {estimate.copies} "
                f"{'frames' if estimate.kind is MediaKind.VIDEO else 'copies'}"
                if estimate.pixels
                else f"{estimate.size_bytes} bytes x {DOCUMENT_EXPANSION}"
            )
            raise MediaTooLarge(
                f"decoding this content would need about {need // 2**20} MiB ({what}); the per-request "
                f"memory budget is {allowed // 2**20} MiB",
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
