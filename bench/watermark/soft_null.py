"""The null distribution of OSD's soft score (``BchCode.osd_search``): random words and unmarked pictures.

Two nulls for the score the image decoder accepts beyond OSD's hard limit (``image._OSD_MIN_SCORE``):
Gaussian soft words, and the channel soft values of unmarked pictures (``bench.watermark.images.
unmarked_images``) on every lattice the decoder may try there (the unedited geometry, the
autocorrelation's best 10 and its 4 unrotated ones), plain and matched fold, whatever their sync
peak. For each word: the best candidate's score (what the decoder tests) and, pooled, every
candidate's score, against the bound the threshold rests on (``3.18 * Q(s)`` per candidate).

    PYTHONPATH=src:. .venv/bin/python -m bench.watermark.soft_null --words 20000 --pictures 1000
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from itertools import islice

import numpy as np
from scipy.stats import norm

from bench.watermark.images import unmarked_images
from clearmark.watermark.image import _canvas, _luma, _rgb_array
from clearmark.watermark.masking import masking_gain
from clearmark.watermark.pattern import TILE_PX, cell_responses, tile_layout, undo_dihedral
from clearmark.watermark.payload import CODE, _whitening
from clearmark.watermark.sync import LatticeSearch, align, fold, unshift, whiten_tile, whiten_weighted

KEY = bytes(range(32))
LEVELS = (4.0, 4.5, 5.0, 5.5, 6.0, 6.5, 7.0)


def gaussian_words(count: int, seed: int = 16) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield rng.standard_normal(CODE.n)


def picture_words(count: int) -> Iterator[np.ndarray]:
    """Channel soft values (whitening removed) of unmarked pictures' folds, 30 per picture."""
    layout = tile_layout(KEY)
    signs = 1.0 - 2.0 * _whitening(KEY).astype(np.float64)
    for image in unmarked_images(10_000) if count else ():
        if count <= 0:
            return
        count -= 1
        canvas = _canvas(_luma(_rgb_array(image)))
        residual, weight = whiten_weighted(canvas)
        search = LatticeSearch(residual)
        bases = [np.eye(2) * TILE_PX] + [lattice.basis for lattice in islice(search.lattices(), 10)]
        bases += [lattice.basis for lattice in search.axis_aligned(4)]
        for basis in bases:
            scale = float(np.sqrt(abs(np.linalg.det(basis)))) / TILE_PX
            for matched in (False, True):
                tile = whiten_tile(fold(residual, basis, weight * masking_gain(canvas, scale))) if matched else fold(
                    residual, basis
                )
                alignment = align(tile, layout.sync_spectra)
                aligned = undo_dihedral(unshift(tile, alignment.shift), alignment.variant)
                yield layout.soft_bits(cell_responses(aligned)) * signs


def scores(words: Iterator[np.ndarray]) -> tuple[np.ndarray, np.ndarray, int]:
    """Best candidates' scores, and per level how many of all candidates' scores reach it (and how many there were)."""
    best: list[float] = []
    reach = np.zeros(len(LEVELS), dtype=np.int64)
    total = 0
    for word in words:
        listing = CODE.osd_candidates(word)
        if listing is None:
            continue
        candidates, order, outside = listing
        ordered = word[order]
        disagree = candidates != (ordered < 0)[None, :]
        chosen = int(np.argmin(disagree @ np.abs(ordered)))
        evidence = ordered[outside]
        all_scores = (1.0 - 2.0 * candidates[:, outside].astype(np.float64)) @ evidence / np.sqrt(evidence @ evidence)
        best.append(float(all_scores[chosen]))
        reach += (all_scores[None, :] >= np.asarray(LEVELS)[:, None]).sum(axis=1)
        total += all_scores.size
    return np.asarray(best), reach, total


def table(name: str, best: np.ndarray, reach: np.ndarray, total: int) -> str:
    lines = [
        f"{name}: {best.size} words, {total} candidate scores; best candidate's score: "
        f"median {np.median(best):.2f}, 99.9th percentile {np.percentile(best, 99.9):.2f}, max {best.max():.2f}",
        "",
        "| level s | words whose chosen score >= s | bound 2081 * 3.18 Q(s) | candidates >= s | rate | Q(s) "
        "| 3.18 Q(s) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for level, count in zip(LEVELS, reach, strict=True):
        q = norm.sf(level)
        lines.append(
            f"| {level} | {int(np.sum(best >= level))} | {2081 * 3.18 * q:.1e} | {count} | {count / total:.1e} "
            f"| {q:.1e} | {3.18 * q:.1e} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000, help="Gaussian soft words")
    parser.add_argument("--pictures", type=int, default=1_000, help="unmarked pictures (30 words each)")
    args = parser.parse_args()
    print(table("Gaussian words", *scores(gaussian_words(args.words))), flush=True)
    print()
    print(table("unmarked pictures' folds", *scores(picture_words(args.pictures))), flush=True)


if __name__ == "__main__":
    main()
