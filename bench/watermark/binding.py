"""Content binding's distributions: genuine marks after the attack suites, transplants, moving video.

Genuine: every bench picture stamped, attacked (the nine issue-4 attacks on the bench set; the nine
hard attacks on the set fitted to 512² and to 1080p) and decoded. Transplants: the copy attack's
residual transplant for every source onto three other pictures (offsets 3, 5, 9), both denoisers,
gains 1 and 3, at both sizes (336 pairs; the copy-attack table uses offset 5 only). Video: a moving
1080p texture (2 px a frame, the test clips' drift) stamped by ``stamp_frames``, then H.264 at a
third of its bit rate, resized to 720p, cropped 10 %: each frame's binding and the clip's verdict.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import av
import cv2
import numpy as np
from PIL import Image

from bench.watermark.attacks import ATTACKS, DENOISERS, HARD_ATTACKS, Attack, residual_transplant, video_reencode
from bench.watermark.images import bench_images, fit
from clearmark.labels.video_writer import FramePlan, stamp_frames
from clearmark.media.limits import MediaLimits
from clearmark.media.video import probe_video, sample_frames
from clearmark.watermark import Verdict, decode_watermark, embed_watermark, payload_for_produce_id
from clearmark.watermark.binding import DECISIVE_AGREEMENT, MIN_Z, STRONG_AGREEMENT, STRONG_MIN_Z, Binding
from clearmark.watermark.video import read_video_watermark

OFFSETS = (5, 3, 9)
VIDEO_PAYLOAD = bytes.fromhex("0123456789abcdef")


def _quantiles(values: list[float]) -> str:
    if not values:
        return "—"
    low, median, high = np.percentile(values, [0, 50, 100])
    return f"{low:.2f} / {median:.2f} / {high:.2f}"


def _row(name: str, bindings: list[Binding], misses: int) -> str:
    counts = Counter(b.verdict for b in bindings)
    return (
        f"| {name} | {len(bindings)} (+{misses} not decoded) | {counts[Verdict.BOUND]} | "
        f"{counts[Verdict.UNDETERMINED]} | {counts[Verdict.UNBOUND]} | "
        f"{_quantiles([b.agreement for b in bindings])} | {_quantiles([b.z for b in bindings])} |"
    )


def _genuine(pictures: Iterable[tuple[str, Image.Image]], attacks: dict[str, Attack], key: bytes) -> tuple:
    bindings: list[Binding] = []
    misses, lost = 0, []
    for name, picture in pictures:
        payload = payload_for_produce_id(name)
        stamped = embed_watermark(picture, payload, key)
        for attack, apply in attacks.items():
            reading = decode_watermark(apply(stamped), key, wide_search=True)
            if reading is None or reading.payload != payload:
                misses += 1
                continue
            bindings.append(reading.binding)
            if not reading.content_bound:
                binding = reading.binding
                lost.append(f"{name} {attack}: {binding.verdict.value} (r {binding.agreement:.2f}, z {binding.z:.1f})")
    return bindings, misses, lost


def _transplants(key: bytes, width: int, height: int) -> tuple[list[Binding], int]:
    pictures = [(name, fit(image, width, height)) for name, image in bench_images()]
    stamped = {name: embed_watermark(image, payload_for_produce_id(name), key) for name, image in pictures}
    bindings, lost = [], 0
    for offset in OFFSETS:
        for index, (source, _) in enumerate(pictures):
            target = pictures[(index + offset) % len(pictures)][1]
            for denoiser in DENOISERS:
                for gain in (1.0, 3.0):
                    forged = residual_transplant(stamped[source], target, denoiser, gain)
                    reading = decode_watermark(forged, key, wide_search=True)
                    if reading is None or reading.payload != payload_for_produce_id(source):
                        lost += 1
                        continue
                    bindings.append(reading.binding)
    return bindings, lost


def moving_clip(path: Path, width: int = 1920, height: int = 1080, seconds: float = 2.0, fps: int = 25) -> Path:
    """A drifting smooth-noise texture (2 px a frame), H.264 at 6 Mb/s: uniform, and moving."""
    rng = np.random.default_rng(7)
    base = rng.integers(0, 256, size=(height // 16, width // 16, 3), dtype=np.uint8)
    picture = cv2.resize(base, (width + 128, height + 128), interpolation=cv2.INTER_CUBIC)
    ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt, stream.bit_rate = width, height, "yuv420p", 6_000_000
        for index in range(round(seconds * fps)):
            shift = (index * 2) % 128
            frame = picture[shift : shift + height, shift : shift + width].astype(np.float32) * 0.6 + ramp * 0.4
            video_frame = av.VideoFrame.from_ndarray(np.clip(frame, 0, 255).astype(np.uint8), format="rgb24")
            video_frame.pts = index
            container.mux(stream.encode(video_frame))
        container.mux(stream.encode(None))
    return path


def video_rows(key: bytes) -> list[str]:
    """Per-frame verdicts and the majority for the moving clip, stamped and after the three attacks."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        marked = base / "marked.mp4"
        plan = FramePlan(payload=VIDEO_PAYLOAD, key=key)
        stamp_frames(moving_clip(base / "in.mp4"), marked, plan, MediaLimits())
        rate = probe_video(marked).bit_rate
        attacks = {
            "stamped": marked,
            "H.264 at 1/3 bit rate": video_reencode(marked, base / "third.mp4", bit_rate=rate // 3),
            "720p": video_reencode(marked, base / "720p.mp4", bit_rate=rate, size=(1280, 720)),
            "crop 10 %": video_reencode(marked, base / "crop.mp4", bit_rate=rate, crop=0.9),
        }
        for name, path in attacks.items():
            _, frames = sample_frames(path)
            reading = read_video_watermark(((f.time_s, f.luma) for f in frames), key, enough_votes=len(frames))
            if reading is None or reading.payload != VIDEO_PAYLOAD:
                rows.append(f"| {name} | not decoded | | | | | |")
                continue
            bindings = [f.reading.binding for f in reading.frames]
            counts = Counter(b.verdict for b in bindings)
            rows.append(
                f"| {name} | {reading.votes} of {reading.frames_read} | {counts[Verdict.BOUND]} | "
                f"{counts[Verdict.UNDETERMINED]} | {counts[Verdict.UNBOUND]} | "
                f"{_quantiles([b.agreement for b in bindings])} | {_quantiles([b.z for b in bindings])} | "
                f"**{reading.binding_verdict.value}** |"
            )
    return rows


def binding_tables(key: bytes) -> str:
    """The distributions of agreement and z for genuine marks and transplants, and the video clip."""
    header = [
        "| set | decoded | bound | undetermined | unbound | agreement min / median / max | z min / median / max |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    lines = ["#### Binding verdicts of genuine marks and of transplants", "", *header]
    lost_all = []
    sets = {
        "issue-4 attacks, bench set": (bench_images(), ATTACKS),
        "hard attacks, 512²": ([(n, fit(i, 512, 512)) for n, i in bench_images()], HARD_ATTACKS),
        "hard attacks, 1080p": ([(n, fit(i, 1920, 1080)) for n, i in bench_images()], HARD_ATTACKS),
    }
    for name, (pictures, attacks) in sets.items():
        bindings, misses, lost = _genuine(pictures, attacks, key)
        lines.append(_row(f"genuine: {name}", bindings, misses))
        lost_all += [f"{name}: {entry}" for entry in lost]
    transplanted: list[Binding] = []
    for size, (width, height) in {"512²": (512, 512), "1080p": (1920, 1080)}.items():
        bindings, lost = _transplants(key, width, height)
        lines.append(_row(f"transplants {size} (the source's payload decoded)", bindings, lost))
        transplanted += bindings
    top_r = max((b.agreement for b in transplanted), default=float("nan"))
    top_z = max((b.z for b in transplanted), default=float("nan"))
    lines += [
        "",
        f"Bound: z ≥ {MIN_Z} with agreement ≥ 0.15, z ≥ {STRONG_MIN_Z} with agreement ≥ {STRONG_AGREEMENT}, "
        f"or agreement ≥ {DECISIVE_AGREEMENT}. Transplants: highest "
        f"agreement {top_r:.2f}, highest z {top_z:.2f}; forged (bound) "
        f"{sum(b.bound for b in transplanted)} of {len(transplanted)}.",
        "",
        "Genuine reads not bound: " + ("; ".join(lost_all) if lost_all else "none") + ".",
        "",
        "#### Video: a moving 1080p texture, stamped; each sampled frame's binding, the clip's verdict "
        "on the averaged figures",
        "",
        "| clip | frames decoded | bound | undetermined | unbound | agreement | z | clip (frames averaged) |",
        "|---|---:|---:|---:|---:|---|---|---|",
        *video_rows(key),
        "",
    ]
    return "\n".join(lines)
