"""Raw bit errors of the image mark on the true lattice, per picture and attack: signal or search?

For the attacks whose geometry is a known scale (crop to 30 % of the area, the social chain, and the
same-size ones), each bench picture of the hard set is stamped with the suite's payload, attacked,
decoded with the wide search, and folded on the lattice the attack's geometry predicts (sharpened
on the sync peak, half-pixel first step): the raw channel-bit errors (of 188) there, with the plain
fold and with the matched fold of the decoder's retry (``image._decode_on_lattice``). A miss with
few errors on the true lattice is a search miss; one with more than the decoder accepts (18 for BCH,
24 for OSD behind a clear sync peak) is a signal miss.

    PYTHONPATH=src:. .venv/bin/python -m bench.watermark.true_lattice --attacks "crop 30% area,social chain"
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.watermark.attacks import HARD_ATTACKS
from bench.watermark.images import hard_images
from clearmark.watermark import decode_watermark, embed_watermark, payload_for_produce_id
from clearmark.watermark.image import _canvas, _luma, _rgb_array
from clearmark.watermark.masking import masking_gain
from clearmark.watermark.pattern import TILE_PX, canvas_size, cell_responses, tile_layout, undo_dihedral
from clearmark.watermark.payload import frame_payload
from clearmark.watermark.sync import align, fold, sharpen_lattice, unshift, whiten_tile, whiten_weighted

KEY = bytes(range(32))


def true_basis(original: tuple[int, int], attacked: tuple[int, int], attack: str) -> np.ndarray:
    """The tile lattice on the attacked picture's canvas that the attack's geometry predicts."""
    (width0, height0), (width, height) = original, attacked
    canvas0, canvas = canvas_size(width0, height0), canvas_size(width, height)
    if attack.startswith("crop"):
        sx = sy = 1.0
    elif attack == "social chain":  # a 4:5 crop, then resizes: the scale of what is left
        crop_w = min(width0, round(height0 * 4 / 5))
        crop_h = min(height0, round(crop_w * 5 / 4))
        sx, sy = width / crop_w, height / crop_h
    else:
        sx, sy = width / width0, height / height0
    x_step = TILE_PX * width0 / canvas0[0] * sx * canvas[0] / width
    y_step = TILE_PX * height0 / canvas0[1] * sy * canvas[1] / height
    return np.diag([x_step, y_step])


def errors_on(canvas: np.ndarray, basis: np.ndarray, channel_bits: np.ndarray, matched: bool) -> tuple[int, float]:
    """Raw channel-bit errors and the sync peak z of the fold along ``basis`` (plain or matched)."""
    layout = tile_layout(KEY)
    residual, weight = whiten_weighted(canvas)
    if matched:
        scale = float(np.sqrt(abs(np.linalg.det(basis)))) / TILE_PX
        tile = whiten_tile(fold(residual, basis, weight * masking_gain(canvas, scale)))
    else:
        tile = fold(residual, basis)
    alignment = align(tile, layout.sync_spectra)
    soft = layout.soft_bits(cell_responses(undo_dihedral(unshift(tile, alignment.shift), alignment.variant)))
    return int(np.sum(np.sign(soft) != 1.0 - 2.0 * channel_bits)), alignment.z


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attacks", default="crop 30% area,social chain")
    parser.add_argument("--only", default="", help="pictures whose name contains this")
    args = parser.parse_args()
    print("| picture | size | attack | read | plain fold: errors (z) | matched fold: errors (z) |")
    print("|---|---|---|---|---:|---:|")
    layout = tile_layout(KEY)
    for name, image in hard_images():
        if args.only not in name:
            continue
        size = "1080p" if image.width >= 1920 else "512²"
        payload = payload_for_produce_id(name)
        marked = embed_watermark(image, payload, KEY)
        bits = frame_payload(payload, KEY).astype(np.float64)
        for attack in args.attacks.split(","):
            attacked = HARD_ATTACKS[attack](marked)
            reading = decode_watermark(attacked, KEY, wide_search=True)
            canvas = _canvas(_luma(_rgb_array(attacked)))
            basis = true_basis(image.size, attacked.size, attack)
            basis = sharpen_lattice(whiten_weighted(canvas)[0], basis, layout.sync_spectra, step=0.5)
            cells = [errors_on(canvas, basis, bits, matched) for matched in (False, True)]
            read = "yes" if reading is not None and reading.payload == payload else "no"
            print(f"| {name} | {size} | {attack} | {read} | " + " | ".join(f"{e} ({z:.1f})" for e, z in cells) + " |")


if __name__ == "__main__":
    main()
