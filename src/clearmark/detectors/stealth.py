"""Detector of NovelAI-style "stealth" metadata hidden in pixel least-significant bits (alpha, or RGB).

The format (NovelAI; the stable-diffusion-webui stealth-pnginfo extension): bits are read column
by column (x outer, y inner) from the LSB of the alpha channel (or of R, G, B in turn), packed
most-significant-bit first into bytes: a magic (``stealth_pnginfo``/``stealth_pngcomp`` for alpha,
``stealth_rgbinfo``/``stealth_rgbcomp`` for RGB), a 32-bit big-endian payload length in bits, then
the payload: UTF-8 text, gzip-compressed for the ``comp`` magics. Only lossless files can carry it.
Reading is bounded: only the columns that hold the header and the declared payload are touched,
and inflation is capped by ``max_inflated_text_bytes``.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

import numpy as np

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import fingerprint_kind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.fingerprints import GeneratorFingerprintDetector, TextField
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.limits import MediaLimits

RULE_VERSION = "stealth/1"
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024  # declared (possibly compressed) payload size accepted at most


@dataclass(frozen=True)
class StealthMode:
    """One magic: which channels carry the bits and whether the payload is gzip-compressed."""

    magic: bytes
    channels: str  # "alpha" or "rgb"
    compressed: bool


STEALTH_MODES: tuple[StealthMode, ...] = (
    StealthMode(b"stealth_pnginfo", "alpha", False),
    StealthMode(b"stealth_pngcomp", "alpha", True),
    StealthMode(b"stealth_rgbinfo", "rgb", False),
    StealthMode(b"stealth_rgbcomp", "rgb", True),
)
_MAGIC_BITS = 8 * len(STEALTH_MODES[0].magic)


@dataclass(frozen=True)
class StealthPayload:
    """A decoded stealth payload: its mode, size, text, and the JSON object it holds (if any)."""

    mode: StealthMode
    payload_bytes: int
    text: str
    fields: dict[str, str]
    problem: str = ""


def _bits(pixels: np.ndarray, channels: str, count: int) -> np.ndarray:
    """The first ``count`` LSBs in stealth order, touching only the columns that hold them."""
    height = pixels.shape[0]
    per_column = height * (1 if channels == "alpha" else 3)
    columns = min(pixels.shape[1], -(-count // per_column))
    if channels == "alpha":
        block = pixels[:, :columns, 3].T  # (x, y): column-major order
    else:
        block = pixels[:, :columns, :3].transpose(1, 0, 2)  # (x, y, channel)
    return (block.reshape(-1)[:count] & 1).astype(np.uint8)


def read_stealth_payload(pixels: np.ndarray, limits: MediaLimits) -> StealthPayload | None:
    """The stealth payload of an RGB(A) uint8 frame, or None when no magic is present.

    A present magic with a corrupt length or payload still returns a payload, with ``problem`` set.
    """
    if pixels.ndim != 3 or pixels.shape[2] < 3 or pixels.shape[0] * pixels.shape[1] * 3 < _MAGIC_BITS + 32:
        return None
    for mode in STEALTH_MODES:
        if mode.channels == "alpha" and pixels.shape[2] < 4:
            continue
        header = _bits(pixels, mode.channels, _MAGIC_BITS + 32)
        if len(header) < _MAGIC_BITS + 32 or np.packbits(header[:_MAGIC_BITS]).tobytes() != mode.magic:
            continue
        length_bits = int.from_bytes(np.packbits(header[_MAGIC_BITS:]).tobytes(), "big")
        capacity = pixels.shape[0] * pixels.shape[1] * (1 if mode.channels == "alpha" else 3) - _MAGIC_BITS - 32
        if length_bits <= 0 or length_bits % 8 or length_bits > capacity or length_bits // 8 > MAX_PAYLOAD_BYTES:
            return StealthPayload(mode, 0, "", {}, f"declared payload of {length_bits} bits is not readable")
        bits = _bits(pixels, mode.channels, _MAGIC_BITS + 32 + length_bits)[_MAGIC_BITS + 32 :]
        raw = np.packbits(bits).tobytes()
        return _decode(mode, raw, limits)
    return None


def _decode(mode: StealthMode, raw: bytes, limits: MediaLimits) -> StealthPayload:
    data = raw
    if mode.compressed:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip container
        try:
            data = inflater.decompress(raw, limits.max_inflated_text_bytes + 1)
        except zlib.error as exc:
            return StealthPayload(mode, len(raw), "", {}, f"payload is not valid gzip: {exc}")
        if len(data) > limits.max_inflated_text_bytes or inflater.unconsumed_tail:
            return StealthPayload(mode, len(raw), "", {}, "payload inflates beyond max_inflated_text_bytes")
    text = data.decode("utf-8", errors="replace")
    fields: dict[str, str] = {}
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        fields = {str(k): v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for k, v in parsed.items()}
    return StealthPayload(mode, len(raw), text, fields)


class StealthMetadataDetector:
    """Finds stealth metadata in the pixels of lossless images; NovelAI's JSON fields are matched as fingerprints."""

    name = "fingerprint.stealth"
    version = RULE_VERSION
    kinds = frozenset({MediaKind.IMAGE})

    def __init__(self) -> None:
        self._fields = GeneratorFingerprintDetector()

    def detect(self, asset: Asset) -> list[Signal]:
        if not asset.header.lossless:
            return []
        payload = read_stealth_payload(asset.pixels, asset.limits)
        if payload is None:
            return []
        carrier = f"pixels:{payload.mode.channels}-lsb"
        location = Location(carrier=carrier)
        software = payload.fields.get("Software", "")
        tool = "novelai" if "novelai" in (software + payload.fields.get("Source", "")).lower() else "unknown"
        signals = [
            Signal(
                source=self.name,
                kind=fingerprint_kind(tool if tool != "unknown" else "stealth"),
                confidence=0.95 if not payload.problem else 0.9,
                rule_id=f"stealth.{payload.mode.magic.decode()}",
                rule_version=self.version,
                category_hint=Category.AI_SUSPECTED,
                location=location,
                message=(
                    f"{payload.mode.magic.decode()} metadata in the {payload.mode.channels} LSBs "
                    f"({payload.payload_bytes} bytes){': ' + payload.problem if payload.problem else ''}"
                ),
                attributes=(
                    ("tool", tool),
                    ("magic", payload.mode.magic.decode()),
                    ("channels", payload.mode.channels),
                    ("compressed", str(payload.mode.compressed).lower()),
                    ("payload_bytes", str(payload.payload_bytes)),
                    ("excerpt", payload.text[:160].replace("\n", "⏎")),
                    ("software", software[:80]),
                    ("source_model", payload.fields.get("Source", "")[:120]),
                    ("problem", payload.problem),
                ),
            )
        ]
        for key, value in payload.fields.items():
            signal = self._fields.signal_for(TextField(f"stealth:{key}", value, location, (("stealth_key", key),)))
            if signal is not None and signal.kind != signals[0].kind:
                signals.append(signal)
        return signals


@register_detector(StealthMetadataDetector.name)
def _build(context: DetectorContext) -> StealthMetadataDetector:
    return StealthMetadataDetector()
