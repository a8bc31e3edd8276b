"""Shared fixtures: real images in every supported format, producer/platform codes, C2PA signing material."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from clearmark.core.enums import MediaKind
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media.c2pa_settings import C2paTrust
from clearmark.media.registry import supported_formats
from clearmark.notice.font import NoticeFont, load_notice_font
from clearmark.service.keys import SigningMaterial, ensure_dev_signing_material

PRODUCER = "001191440300708461136T1XGW3"
# A platform's code: same USCC, service type 2 (propagation), app code PLAT.
PLATFORM = "001191440300708461136T2PLAT"


def make_image(width: int = 640, height: int = 480, seed: int = 7) -> Image.Image:
    """A photo-like RGB image: smooth gradients, shapes and noise (deterministic)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin(x / 37.0) * np.cos(y / 53.0)
    g = 128 + 90 * np.cos((x + y) / 61.0)
    b = 255 * (x / max(width - 1, 1))
    pixels = np.stack([r, g, b], axis=-1) + rng.normal(0, 6, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def jpeg_bytes() -> bytes:
    return encode(make_image(), "JPEG", quality=90)


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    return encode(make_image(), "PNG")


@pytest.fixture(scope="session")
def webp_bytes() -> bytes:
    return encode(make_image(), "WEBP", quality=85)


# How each supported image format's sample is made (Pillow's plugin and options); a format registered
# without a line here fails ``test_every_image_format_has_a_sample``.
IMAGE_SAMPLES: dict[str, tuple[str, dict[str, object]]] = {
    "jpeg": ("JPEG", {"quality": 90}),
    "png": ("PNG", {}),
    "webp": ("WEBP", {"quality": 85}),
    "gif": ("GIF", {}),
    "tiff": ("TIFF", {}),
    "heif": ("HEIF", {"quality": 85}),
    "avif": ("AVIF", {"quality": 85}),
}
IMAGE_FORMATS = tuple(spec.name for spec in supported_formats(MediaKind.IMAGE))


def image_sample(fmt: str, image: Image.Image | None = None) -> bytes:
    """``image`` (default: the photo-like 640x480) encoded as a sample of the registered format ``fmt``."""
    plugin, params = IMAGE_SAMPLES[fmt]
    return encode(image or make_image(), plugin, **params)


@pytest.fixture(scope="session", params=IMAGE_FORMATS)
def image_format(request: pytest.FixtureRequest) -> str:
    """The name of each supported image format in the registry, in turn."""
    return request.param


@pytest.fixture(scope="session")
def image_bytes(image_format: str) -> bytes:
    """The photo-like sample in each supported image format of the registry."""
    return image_sample(image_format)


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> SigningMaterial:
    """Development C2PA signing material (a CA and its leaf), made once per test module."""
    return ensure_dev_signing_material(tmp_path_factory.mktemp("c2pa-keys"))


@pytest.fixture(scope="module")
def signing(dev: SigningMaterial) -> C2paSigning:
    """Signing with ``dev``'s leaf."""
    return C2paSigning(dev.cert_chain_pem, dev.private_key_pem, dev.algorithm)


@pytest.fixture(scope="module")
def trust(dev: SigningMaterial) -> C2paTrust:
    """Trust in ``dev``'s CA: what ``signing`` signs validates as Trusted."""
    return C2paTrust.from_files(dev.ca_cert_pem)


@pytest.fixture(scope="session")
def notice_font() -> NoticeFont:
    return load_notice_font()


@pytest.fixture(scope="session")
def background():
    """A factory of deterministic backgrounds: ``background(kind, size, mode="RGB")``."""
    return make_background


def make_background(kind: str, size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """A deterministic background: white, black, grey, noise or gradient."""
    width, height = size
    if kind == "noise":
        pixels = np.random.default_rng(45438).integers(0, 256, (height, width, 3), dtype=np.uint8)
    elif kind == "gradient":
        ramp = np.broadcast_to(np.arange(width)[None, :] * 255 // max(1, width - 1), (height, width))
        pixels = np.repeat(ramp.astype(np.uint8)[..., None], 3, axis=2)
    else:
        level = {"white": 255, "black": 0, "grey": 128}[kind]
        pixels = np.full((height, width, 3), level, dtype=np.uint8)
    return Image.fromarray(pixels).convert(mode)
