"""The copy attack of issue 16: a stamped picture's noise residual added to unrelated photos; the forge rate."""

from __future__ import annotations

import numpy as np
from PIL import Image

from bench.watermark.attacks import DENOISERS, residual_transplant
from bench.watermark.images import bench_images, fit
from clearmark.watermark import Verdict, decode_watermark, embed_watermark, payload_for_produce_id
from clearmark.watermark.binding import DECISIVE_AGREEMENT, MIN_Z, STRONG_AGREEMENT, STRONG_MIN_Z

PAIRS = 10
GAINS = (1.0, 3.0)
SIZES = {"512²": (512, 512), "1080p": (1920, 1080)}


def _psnr(a: Image.Image, b: Image.Image) -> float:
    x = np.asarray(a.convert("RGB")).astype(np.float64)
    y = np.asarray(b.convert("RGB")).astype(np.float64)
    return float(10 * np.log10(255.0**2 / max(np.mean((x - y) ** 2), 1e-12)))


def copy_attack_table(key: bytes) -> str:
    """Stamp source i, transplant its residual onto bench picture i+5 (never the same picture), for
    each denoiser and gain; count the transplants whose mark still decodes to the source's payload
    ('survives': what Inspect called AI_GENERATED before binding) and those that also read as bound
    to the new content ('forged': a valid claim; the target is 0)."""
    lines = [
        "#### Copy attack: residual transplant onto unrelated pictures "
        f"({PAIRS} pairs per size; forged = the source's payload decodes AND reads as bound to the new picture)",
        "",
        "| size | denoiser | gain | PSNR vs target dB | mark survives | forged (valid claim) "
        "| unbound / undetermined | max agreement of survivors | max z |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for size, (width, height) in SIZES.items():
        pictures = [(name, fit(image, width, height)) for name, image in bench_images()]
        stamped = {name: embed_watermark(image, payload_for_produce_id(name), key) for name, image in pictures[:PAIRS]}
        for denoiser in DENOISERS:
            for gain in GAINS:
                survives = forged = 0
                psnrs, agreements, zs, verdicts = [], [], [], []
                for index in range(PAIRS):
                    source_name = pictures[index][0]
                    target = pictures[(index + 5) % len(pictures)][1]
                    attacked = residual_transplant(stamped[source_name], target, denoiser, gain)
                    psnrs.append(_psnr(target, attacked))
                    reading = decode_watermark(attacked, key, wide_search=True)
                    if reading is None or reading.payload != payload_for_produce_id(source_name):
                        continue
                    survives += 1
                    forged += reading.content_bound
                    agreements.append(reading.binding.agreement)
                    zs.append(reading.binding.z)
                    verdicts.append(reading.binding.verdict)
                top = f"{max(agreements):.2f}" if agreements else "—"
                top_z = f"{max(zs):.2f}" if zs else "—"
                split = f"{verdicts.count(Verdict.UNBOUND)} / {verdicts.count(Verdict.UNDETERMINED)}"
                lines.append(
                    f"| {size} | {denoiser} | {gain:g} | {np.mean(psnrs):.1f} | {survives}/{PAIRS} | "
                    f"{forged}/{PAIRS} | {split} | {top} | {top_z} |"
                )
    lines += [
        "",
        "Forged: the verdict is bound (`watermark.binding.Binding.verdict`: z ≥ "
        f"{MIN_Z} with agreement ≥ 0.15, z ≥ {STRONG_MIN_Z} with agreement ≥ {STRONG_AGREEMENT}, or agreement "
        f"≥ {DECISIVE_AGREEMENT}; z: deviations above the chance level of the two maps).",
        "",
    ]
    return "\n".join(lines)
