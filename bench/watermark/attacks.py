"""The attack suites of issues 4 and 16, the copy attack, and the video re-encode attack, as deterministic functions."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageEnhance

Attack = Callable[[Image.Image], Image.Image]


def _recode(image: Image.Image, fmt: str, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format=fmt, quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def jpeg(quality: int) -> Attack:
    return lambda image: _recode(image, "JPEG", quality)


def webp(quality: int) -> Attack:
    return lambda image: _recode(image, "WEBP", quality)


def resize(factor: float) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        size = (round(image.width * factor), round(image.height * factor))
        return image.resize(size, Image.Resampling.BICUBIC)

    return apply


def centre_crop(keep: float) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        width, height = round(image.width * keep), round(image.height * keep)
        left, top = (image.width - width) // 2, (image.height - height) // 2
        return image.crop((left, top, left + width, top + height))

    return apply


def rotate(degrees: float) -> Attack:
    """Rotation about the centre, same canvas, corners filled black (what an editor's 'straighten' does
    before its crop)."""
    return lambda image: image.rotate(degrees, resample=Image.Resampling.BICUBIC)


def brightness(factor: float) -> Attack:
    return lambda image: ImageEnhance.Brightness(image).enhance(factor)


def gaussian_noise(sigma: float, seed: int = 45438) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        pixels = np.asarray(image.convert("RGB")).astype(np.float32)
        noisy = pixels + np.random.default_rng(seed).normal(0.0, sigma, pixels.shape)
        return Image.fromarray(np.clip(np.rint(noisy), 0, 255).astype(np.uint8))

    return apply


def screenshot(scale: float = 0.75, margin: int = 24, quality: int = 75) -> Attack:
    """Shown at ``scale`` on a page, captured with ``margin`` px of light page around it, saved as JPEG."""

    def apply(image: Image.Image) -> Image.Image:
        shown = image.convert("RGB").resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.BILINEAR
        )
        page = Image.new("RGB", (shown.width + 2 * margin, shown.height + 2 * margin), (246, 246, 246))
        page.paste(shown, (margin, margin))
        return _recode(page, "JPEG", quality)

    return apply


ATTACKS: dict[str, Attack] = {
    "none": lambda image: image,
    "jpeg q50": jpeg(50),
    "webp q80": webp(80),
    "resize 50%": resize(0.5),
    "crop 90%": centre_crop(0.9),
    "rotate 2°": rotate(2.0),
    "brightness +20%": brightness(1.2),
    "noise σ=5": gaussian_noise(5.0),
    "screenshot 75%+jpeg": screenshot(),
}


def stretch(x: float = 1.0, y: float = 1.0) -> Attack:
    """Unequal horizontal and vertical scales (a platform fitting the picture to its own aspect)."""

    def apply(image: Image.Image) -> Image.Image:
        return image.resize((round(image.width * x), round(image.height * y)), Image.Resampling.BICUBIC)

    return apply


def crop_area(area: float, anchor: tuple[float, float] = (0.3, 0.6)) -> Attack:
    """Keep ``area`` of the picture, same aspect, the window's top-left at ``anchor`` of the free room
    (off centre, so the window is not aligned with anything the embedder did)."""

    def apply(image: Image.Image) -> Image.Image:
        keep = float(np.sqrt(area))
        width, height = round(image.width * keep), round(image.height * keep)
        left = round((image.width - width) * anchor[0])
        top = round((image.height - height) * anchor[1])
        return image.crop((left, top, left + width, top + height))

    return apply


def rotate_crop(degrees: float) -> Attack:
    """Rotation about the centre, then the largest centred crop of the original aspect with no fill."""

    def apply(image: Image.Image) -> Image.Image:
        turned = image.rotate(degrees, resample=Image.Resampling.BICUBIC)
        angle = np.radians(abs(degrees))
        w, h = image.width, image.height
        # The largest w:h rectangle inside the rotated w x h frame.
        factor = min(w / (w * np.cos(angle) + h * np.sin(angle)), h / (w * np.sin(angle) + h * np.cos(angle)))
        width, height = int(w * factor) - 2, int(h * factor) - 2
        left, top = (w - width) // 2, (h - height) // 2
        return turned.crop((left, top, left + width, top + height))

    return apply


def blur(sigma: float) -> Attack:
    def apply(image: Image.Image) -> Image.Image:
        pixels = np.asarray(image.convert("RGB"))
        return Image.fromarray(cv2.GaussianBlur(pixels, (0, 0), sigma))

    return apply


def social_chain(image: Image.Image) -> Image.Image:
    """An upload and a re-share: crop to the feed's 4:5, scale to 80 %, a little contrast and
    sharpening, JPEG 80; then the re-share scales to 75 % and saves JPEG 70."""
    rgb = image.convert("RGB")
    width = min(rgb.width, round(rgb.height * 4 / 5))
    height = min(rgb.height, round(width * 5 / 4))
    left, top = (rgb.width - width) // 2, (rgb.height - height) // 2
    rgb = rgb.crop((left, top, left + width, top + height))
    rgb = rgb.resize((round(width * 0.8), round(height * 0.8)), Image.Resampling.LANCZOS)
    rgb = ImageEnhance.Contrast(rgb).enhance(1.08)
    rgb = ImageEnhance.Sharpness(rgb).enhance(1.3)
    rgb = _recode(rgb, "JPEG", 80)
    rgb = rgb.resize((round(rgb.width * 0.75), round(rgb.height * 0.75)), Image.Resampling.BILINEAR)
    return _recode(rgb, "JPEG", 70)


def corner_sticker(area: float = 0.2, seed: int = 16) -> Attack:
    """An opaque sticker over ``area`` of the picture in the bottom-right corner (busy colours and text)."""

    def apply(image: Image.Image) -> Image.Image:
        out = image.convert("RGB").copy()
        side_w, side_h = round(out.width * np.sqrt(area)), round(out.height * np.sqrt(area))
        rng = np.random.default_rng(seed)
        sticker = Image.new("RGB", (side_w, side_h), tuple(int(v) for v in rng.integers(0, 255, 3)))
        draw = ImageDraw.Draw(sticker)
        for _ in range(8):
            x0, y0 = int(rng.integers(0, side_w)), int(rng.integers(0, side_h))
            r = int(rng.integers(side_w // 10, side_w // 3))
            draw.ellipse((x0 - r, y0 - r, x0 + r, y0 + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
        draw.text((side_w // 10, side_h // 2), "LIKE & SHARE", fill=(255, 255, 255))
        out.paste(sticker, (out.width - side_w, out.height - side_h))
        return out

    return apply


HARD_ATTACKS: dict[str, Attack] = {
    "jpeg q20": jpeg(20),
    "stretch x1.2": stretch(x=1.2),
    "squash x0.85": stretch(y=0.85),
    "crop 30% area": crop_area(0.3),
    "rotate 15°+crop": rotate_crop(15.0),
    "resize 25%": resize(0.25),
    "blur σ=2": blur(2.0),
    "social chain": social_chain,
    "sticker 20%": corner_sticker(),
}


def _gaussian_denoise(rgb: np.ndarray) -> np.ndarray:
    return cv2.GaussianBlur(rgb.astype(np.float32), (0, 0), 1.0)


def _nl_means_denoise(rgb: np.ndarray) -> np.ndarray:
    return cv2.fastNlMeansDenoisingColored(rgb, None, 5, 5, 7, 21).astype(np.float32)


DENOISERS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gauss σ1": _gaussian_denoise,
    "nl-means": _nl_means_denoise,
}


def residual_transplant(source: Image.Image, target: Image.Image, denoiser: str, gain: float) -> Image.Image:
    """The copy attack: the stamped ``source`` less a denoised copy of itself (its noise residual, where
    the mark lives), times ``gain``, added to an unrelated ``target`` (resized to the source's size)."""
    rgb = np.ascontiguousarray(np.asarray(source.convert("RGB")))
    residual = rgb.astype(np.float32) - DENOISERS[denoiser](rgb)
    host = np.asarray(target.convert("RGB").resize(source.size, Image.Resampling.BICUBIC)).astype(np.float32)
    return Image.fromarray(np.clip(np.rint(host + gain * residual), 0, 255).astype(np.uint8))


def video_reencode(
    source: Path, out: Path, *, bit_rate: int, size: tuple[int, int] | None = None, crop: float = 1.0
) -> Path:
    """libx264 at ``bit_rate``, after a centred crop to ``crop`` of each side and an optional resize."""
    with av.open(str(source)) as reader, av.open(str(out), "w", format="mp4") as writer:
        context = reader.streams.video[0].codec_context
        crop_w, crop_h = int(context.width * crop) // 2 * 2, int(context.height * crop) // 2 * 2
        stream = writer.add_stream("libx264", rate=25, options={"preset": "veryfast"})
        stream.width, stream.height = size or (crop_w, crop_h)
        stream.pix_fmt, stream.bit_rate = "yuv420p", bit_rate
        x0, y0 = (context.width - crop_w) // 2, (context.height - crop_h) // 2
        for frame in reader.decode(video=0):
            rgb = frame.to_ndarray(format="rgb24")[y0 : y0 + crop_h, x0 : x0 + crop_w]
            if size:
                rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            attacked = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            attacked.pts, attacked.time_base = frame.pts, frame.time_base
            writer.mux(stream.encode(attacked.reformat(format="yuv420p")))
        writer.mux(stream.encode(None))
    return out
