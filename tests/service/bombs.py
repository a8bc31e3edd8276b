"""Decompression bombs as the issue found them: tiny files whose headers declare 7000x7000 pixels."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache

from PIL import Image

SIDE = 7000


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@cache
def png_bomb() -> bytes:
    """A valid ~190 KB PNG: 7000x7000 RGBA of zero rows (196 MB of pixels once inflated)."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + SIDE * 4)
    idat = b"".join(compressor.compress(row) for _ in range(SIDE)) + compressor.flush()
    header = struct.pack(">IIBBBBB", SIDE, SIDE, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


@cache
def webp_bomb() -> bytes:
    """A valid lossless WebP of a few bytes declaring 7000x7000 RGBA (libwebp's own encoding)."""
    out = io.BytesIO()
    Image.new("RGBA", (SIDE, SIDE), (0, 0, 0, 0)).save(out, "WEBP", lossless=True, quality=0, method=0)
    return out.getvalue()


@cache
def jpeg_claiming_7000() -> bytes:
    """A ~25 KB JPEG whose SOF0 header claims 7000x7000 over the scan data of a 640x480 image."""
    rng_image = Image.effect_noise((640, 480), 60).convert("RGB")
    out = io.BytesIO()
    rng_image.save(out, "JPEG", quality=60)
    data = bytearray(out.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, SIDE, SIDE)  # height, width after length and precision
    return bytes(data)


def all_bombs() -> dict[str, bytes]:
    """Name -> bytes of every bomb above."""
    return {"png": png_bomb(), "webp": webp_bomb(), "jpeg": jpeg_claiming_7000()}
