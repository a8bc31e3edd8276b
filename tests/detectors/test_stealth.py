"""NovelAI stealth metadata: embedded here the way NovelAI and the webui extension do, then found and bounded."""

from __future__ import annotations

import gzip
import io
import json

import numpy as np
import pytest
from PIL import Image

from clearmark.core.enums import Category
from clearmark.detectors.stealth import StealthMetadataDetector, read_stealth_payload
from clearmark.media.asset import open_asset
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits

NOVELAI_INFO = {
    "Title": "AI generated image",
    "Description": "1girl, scenery",
    "Software": "NovelAI",
    "Source": "NovelAI Diffusion V4.5 4BDE2A90",
    "Comment": json.dumps({"prompt": "1girl", "steps": 28, "sampler": "k_euler_ancestral", "uc": "lowres"}),
}


def embed(pixels: np.ndarray, magic: bytes, payload: bytes, *, declared_bits: int | None = None) -> np.ndarray:
    """Write magic, 32-bit length (bits) and payload into LSBs, column by column (x outer, y inner)."""
    header = np.unpackbits(np.frombuffer(magic, np.uint8))
    length = (declared_bits if declared_bits is not None else 8 * len(payload)).to_bytes(4, "big")
    bits = np.concatenate([header, np.unpackbits(np.frombuffer(length + payload, np.uint8))])
    out = pixels.copy()
    rgb_mode = magic.startswith(b"stealth_rgb")
    plane = out[..., :3].transpose(1, 0, 2) if rgb_mode else out[..., 3].T  # views in x-major order
    flat = plane.reshape(-1).copy()
    assert len(bits) <= len(flat)
    flat[: len(bits)] = (flat[: len(bits)] & 0xFE) | bits
    if rgb_mode:
        out[..., :3] = flat.reshape(plane.shape).transpose(1, 0, 2)
    else:
        out[..., 3] = flat.reshape(plane.shape).T
    return out


def base(mode: str = "RGBA", size: tuple[int, int] = (96, 80)) -> np.ndarray:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (size[1], size[0], len(mode)), dtype=np.uint8)
    if mode == "RGBA":
        pixels[..., 3] = 255  # opaque, as NovelAI's output is
    return pixels


def encode(pixels: np.ndarray, fmt: str = "PNG", **params: object) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels, "RGBA" if pixels.shape[2] == 4 else "RGB").save(out, format=fmt, **params)
    return out.getvalue()


def detect(data: bytes, limits: MediaLimits = DEFAULT_LIMITS) -> list:
    return StealthMetadataDetector().detect(open_asset(data, limits))


@pytest.mark.parametrize(
    ("magic", "mode", "packer"),
    [
        (b"stealth_pnginfo", "RGBA", lambda b: b),
        (b"stealth_pngcomp", "RGBA", gzip.compress),
        (b"stealth_rgbinfo", "RGB", lambda b: b),
        (b"stealth_rgbcomp", "RGB", gzip.compress),
    ],
)
def test_novelai_stealth_payload_is_found(magic: bytes, mode: str, packer) -> None:
    payload = packer(json.dumps(NOVELAI_INFO).encode())
    data = encode(embed(base(mode), magic, payload))
    signals = detect(data)
    first = signals[0]
    assert first.kind == "fingerprint.novelai"
    assert first.category_hint is Category.AI_SUSPECTED and first.confidence >= 0.9
    assert first.attribute("magic") == magic.decode()
    assert first.attribute("payload_bytes") == str(len(payload))
    assert first.attribute("source_model") == "NovelAI Diffusion V4.5 4BDE2A90"
    assert first.attribute("problem") == ""
    assert first.location.carrier == ("pixels:alpha-lsb" if mode == "RGBA" else "pixels:rgb-lsb")


def test_stealth_survives_lossless_webp_but_not_jpeg() -> None:
    pixels = embed(base(), b"stealth_pngcomp", gzip.compress(json.dumps(NOVELAI_INFO).encode()))
    assert detect(encode(pixels, "WEBP", lossless=True))[0].kind == "fingerprint.novelai"
    assert detect(encode(pixels[..., :3].copy(), "JPEG", quality=95)) == []


def test_other_payloads_are_reported_as_stealth_metadata() -> None:
    data = encode(embed(base(), b"stealth_pnginfo", b"parameters from some webui"))
    (signal,) = detect(data)
    assert signal.kind == "fingerprint.stealth"
    assert signal.attribute("excerpt") == "parameters from some webui"


def test_payload_fields_are_matched_against_the_fingerprint_rules() -> None:
    info = {"parameters": "x", "Comment": NOVELAI_INFO["Comment"]}
    signals = detect(encode(embed(base(), b"stealth_pnginfo", json.dumps(info).encode())))
    assert [s.kind for s in signals] == ["fingerprint.stealth", "fingerprint.novelai"]
    assert signals[1].attribute("field") == "stealth:Comment"


@pytest.mark.parametrize(
    ("payload", "declared", "problem"),
    [
        (b"x" * 10, 10**9, "not readable"),
        (b"x" * 10, 7, "not readable"),
        (b"not gzip data", None, "not valid gzip"),
    ],
)
def test_damaged_payloads_are_bounded_and_reported(payload: bytes, declared: int | None, problem: str) -> None:
    data = encode(embed(base(), b"stealth_pngcomp", payload, declared_bits=declared))
    (signal,) = detect(data)
    assert problem in signal.attribute("problem")
    assert signal.confidence == 0.9


def test_a_compressed_bomb_is_refused() -> None:
    bomb = gzip.compress(b"A" * 300_000)
    pixels = embed(base(size=(200, 200)), b"stealth_pngcomp", bomb)
    payload = read_stealth_payload(pixels, MediaLimits(max_inflated_text_bytes=100_000))
    assert payload is not None and "inflates beyond" in payload.problem


@pytest.mark.parametrize("mode", ["RGBA", "RGB"])
def test_no_magic_no_signal(mode: str) -> None:
    assert detect(encode(base(mode))) == []
    noisy = np.random.default_rng(9).integers(0, 256, (64, 64, 4), dtype=np.uint8)
    assert read_stealth_payload(noisy, DEFAULT_LIMITS) is None


def test_only_the_needed_columns_are_read() -> None:
    pixels = embed(base(size=(4000, 64)), b"stealth_pnginfo", b"short")
    pixels[:, 10:, 3] = 0  # anything past the payload's columns is irrelevant
    payload = read_stealth_payload(pixels, DEFAULT_LIMITS)
    assert payload is not None and payload.text == "short"
