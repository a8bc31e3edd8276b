"""Bench images: scikit-image's bundled photographs (never its pooch-fetched ones) and synthetic ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

# Files shipped inside the scikit-image wheel (skimage/data/); anything else it would download.
BUNDLED_512 = ("astronaut.png", "camera.png", "ihc.png", "coffee.png", "chelsea.png", "rocket.jpg", "grass.png")
BUNDLED_1080 = ("retina.jpg", "motorcycle_left.png", "hubble_deep_field.jpg", "coffee.png")
FP_SOURCES = (
    "astronaut.png", "brick.png", "camera.png", "cell.png", "chelsea.png", "clock_motion.png", "coffee.png",
    "coins.png", "color.png", "grass.png", "gravel.png", "horse.png", "hubble_deep_field.jpg", "ihc.png",
    "logo.png", "moon.png", "motorcycle_left.png", "motorcycle_right.png", "page.png", "phantom.png",
    "retina.jpg", "rocket.jpg", "text.png",
)  # fmt: skip


def skimage_data_dir() -> Path:
    import skimage.data

    return Path(skimage.data.__file__).parent


def bundled(name: str) -> Image.Image:
    """A bundled scikit-image picture as RGB, read from the wheel's own folder."""
    path = skimage_data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} is not bundled with this scikit-image")
    return Image.open(path).convert("RGB")


def fit(image: Image.Image, width: int, height: int) -> Image.Image:
    """Centre-crop to the aspect of ``width x height``, then resample to it."""
    scale = max(width / image.width, height / image.height)
    crop_w, crop_h = round(width / scale), round(height / scale)
    left, top = (image.width - crop_w) // 2, (image.height - crop_h) // 2
    return image.crop((left, top, left + crop_w, top + crop_h)).resize((width, height), Image.Resampling.BICUBIC)


def synthetic_render(width: int, height: int, seed: int) -> Image.Image:
    """A render-like picture: gradients, soft shapes and fine noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [120 + 80 * np.sin(x / 150 + seed), 110 + 70 * np.cos(y / 110), 140 + 60 * np.sin((x + y) / 210)], axis=-1
    )
    image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(width // 30, width // 6))
        draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(2.0))
    pixels = np.asarray(image).astype(np.float32) + rng.normal(0, 3, (height, width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def synthetic_graphic(width: int, height: int, seed: int) -> Image.Image:
    """A flat illustration: solid regions, lines and text-like bars (hard for a mark: little texture)."""
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (width, height), (250, 248, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        w, h = int(rng.integers(width // 10, width // 3)), int(rng.integers(height // 10, height // 3))
        draw.rectangle((x0, y0, x0 + w, y0 + h), fill=tuple(int(v) for v in rng.integers(40, 230, 3)))
    for row in range(height // 12, height, height // 12):
        draw.line((width // 20, row, width // 2, row), fill=(30, 30, 30), width=max(1, height // 200))
    return image


def bench_images() -> list[tuple[str, Image.Image]]:
    """The varied set the attack suite runs on: 512x512 and 1920x1080."""
    images = [(f"{name.split('.')[0]} 512²", fit(bundled(name), 512, 512)) for name in BUNDLED_512]
    images.append(("synthetic render 512²", synthetic_render(512, 512, 3)))
    images += [(f"{name.split('.')[0]} 1080p", fit(bundled(name), 1920, 1080)) for name in BUNDLED_1080]
    images.append(("synthetic render 1080p", synthetic_render(1920, 1080, 4)))
    images.append(("synthetic graphic 1080p", synthetic_graphic(1920, 1080, 5)))
    return images


def hard_images() -> list[tuple[str, Image.Image]]:
    """Every bench picture fitted to 512x512, then every one fitted to 1920x1080 (the hard set)."""
    sources = bench_images()
    return [(name, fit(image, 512, 512)) for name, image in sources] + [
        (name, fit(image, 1920, 1080)) for name, image in sources
    ]


def unmarked_images(count: int, seed: int = 2025) -> Iterator[Image.Image]:
    """``count`` distinct unmarked images: random crops, scales, flips and recodes of the bundled
    pictures, plus synthetic renders, graphics and noise (fast: 256-512 px)."""
    rng = np.random.default_rng(seed)
    sources = [bundled(name) for name in FP_SOURCES]
    for index in range(count):
        kind = index % 10
        if kind == 8:
            size = int(rng.integers(256, 513))
            yield (
                synthetic_render(size, size, int(rng.integers(1 << 30)))
                if index % 20
                else synthetic_graphic(size, size, int(rng.integers(1 << 30)))
            )
            continue
        if kind == 9:
            size = (int(rng.integers(256, 400)), int(rng.integers(256, 400)))
            sigma = float(rng.uniform(2, 60))
            pixels = rng.normal(128, sigma, (size[1], size[0], 3))
            yield Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            continue
        source = sources[int(rng.integers(len(sources)))]
        scale = float(rng.uniform(0.6, 1.6))
        image = source.resize((max(64, round(source.width * scale)), max(64, round(source.height * scale))))
        width = int(rng.integers(min(256, image.width), min(512, image.width) + 1))
        height = int(rng.integers(min(256, image.height), min(512, image.height) + 1))
        left = int(rng.integers(0, image.width - width + 1))
        top = int(rng.integers(0, image.height - height + 1))
        image = image.crop((left, top, left + width, top + height))
        if rng.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if rng.random() < 0.3:
            image = image.rotate(float(rng.uniform(-10, 10)), resample=Image.Resampling.BILINEAR)
        yield image
