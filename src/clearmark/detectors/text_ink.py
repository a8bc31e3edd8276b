"""Measures the glyph ink of one recognised text line in pixels: which pixels are text, how tall its glyphs are.

The notice rule measures the rendered glyph box, not a font size (GB 45438 §5.2; see
``clearmark.notice.glyphs.measure_glyph_height``): the height of the smallest letter or digit. From
pixels alone that is found by separating the text colour from its surroundings (a 3-means clustering
of the line's crop), keeping the connected components that look like strokes, grouping them into
character columns, and taking the smallest column height. An outlined label gives two such classes:
the one lying in the holes of the other's strokes is the glyph fill, and it is measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from clearmark.core.signals import BoundingBox

CLUSTERS = 3
KMEANS_ROUNDS = 8
KMEANS_SAMPLE = 4096  # pixels the k-means rounds run on
MIN_BOX_SHARE = 0.04  # a class with less of the line box than this is not its text
MIN_PART_SIZE = 0.12  # of the line box height: components smaller both ways are specks
MIN_COLUMN_HEIGHT = 0.35  # of the tallest column: shorter columns are hyphens, commas, noise
BOX_TOLERANCE = 0.25  # of the line box height: how far ink may stick out of the detector's box
MAX_PIXELS = 250_000  # crops larger than this are measured on a downscaled copy
FLAT_RADIUS = 40.0  # RGB distance within which a pixel has a flat fill's colour
FALLBACK_QUALITY = 0.2  # below this best quality the crop is clustered again, finer
FALLBACK_CLUSTERS = 5
NESTED_QUALITY = 0.8  # of the best quality: a nested class with more columns is the fill
OUTLINED_QUALITY = 0.25  # of the best quality: a class the best one's strokes enclose is the fill
FILL_HEIGHT = 0.6  # of the outline's ink height: shorter enclosed ink is counters, not the fill
ENCLOSED_SHARE = 0.8  # of a class's glyph pixels in the holes of the best class's strokes: it is their fill
SAME_PIXELS = 0.1  # of a candidate's pixels shared with the chosen mask: above, it is the same class again
# Rec. 601 luma weights (the float32 values the seeds have always been ordered by).
_LUMA_WEIGHTS = tuple(float(w) for w in np.array([0.299, 0.587, 0.114], dtype=np.float32))


@dataclass(frozen=True)
class TextInk:
    """The glyph ink found in a crop: the smallest character height and the ink's bounding box (crop pixels)."""

    glyph_height_px: int
    ink_box: BoundingBox
    columns: int
    column_boxes: tuple[tuple[int, int, int, int], ...] = ()  # (left, right, top, bottom) per character column


def measure_text_ink(
    crop: np.ndarray, line_box: BoundingBox, characters: int = 0, measured: tuple[bool, ...] = ()
) -> TextInk | None:
    """The glyph ink of the one text line inside ``line_box`` of ``crop`` (RGB uint8), or None.

    Args:
        crop: the line's pixels with a margin of background on every side.
        line_box: where the text detector put the line, in crop pixels; ink must lie within it,
            give or take a quarter of its height.
        characters: how many letters and digits the recogniser read (0: unknown); a candidate
            segmentation with far fewer character columns is judged less likely.
        measured: per letter or digit read, in order, whether its height counts (the ideographs of
            a mixed Latin/Chinese wording, ``notice.glyphs.height_characters``); empty: all count.
            The glyph height is then taken over those characters' columns, not the Latin capitals'.

    Returns:
        None when no colour class of the crop looks like text (too few stroke-like components).
    """
    if crop.ndim != 3 or crop.shape[0] < 4 or crop.shape[1] < 4:
        return None
    scale = 1.0
    pixels = crop.shape[0] * crop.shape[1]
    if pixels > MAX_PIXELS:
        scale = (MAX_PIXELS / pixels) ** 0.5
        crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    box = _scaled(line_box, scale)
    rgb = np.ascontiguousarray(crop[..., :3])
    candidates = _candidates(rgb, box, characters, CLUSTERS)
    if not candidates or max(c[0] for c in candidates) < FALLBACK_QUALITY:
        # A background of several colour blocks can take all three classes and leave the text
        # inside one of them: cluster finer and keep whichever segmentation looks most like text.
        candidates += _candidates(rgb, box, characters, FALLBACK_CLUSTERS)
    if not candidates:
        return None
    candidates.sort(key=lambda item: -item[0])
    best_quality, ink, chosen = candidates[0]
    # A stroked notice yields two text-like classes, fill and outline: the fill lies inside the
    # outline, whose strokes touch between letters (fewer columns). A candidate of another class
    # with more columns and shorter glyphs is the glyph fill when it is nested in the best one at
    # near-equal quality, or when the best one's strokes enclose it (an outline drawn round it;
    # a thin fill's columns are narrow, so its quality may be well below the outline's).
    enclosed = _enclosed_region(chosen)
    for quality, other, mask in candidates[1:]:
        if other.columns <= ink.columns or other.glyph_height_px >= ink.glyph_height_px:
            continue
        if _share_within(mask, chosen, other.ink_box) > SAME_PIXELS:
            continue  # the same pixels (a class and its flat core, or the same class clustered finer)
        nested = quality >= NESTED_QUALITY * best_quality and _inside(other, ink)
        outlined = (
            quality >= OUTLINED_QUALITY * best_quality
            and other.ink_box.height >= FILL_HEIGHT * ink.ink_box.height
            and _share_within(_off_border(mask), enclosed, other.ink_box) >= ENCLOSED_SHARE
        )
        if nested or outlined:
            ink, chosen, enclosed = other, mask, _enclosed_region(mask)
    ink = _with_half_covered_edges(rgb, chosen, ink, measured)
    if scale == 1.0:
        return ink
    return TextInk(round(ink.glyph_height_px / scale), _scaled(ink.ink_box, 1 / scale), ink.columns)


def _candidates(
    rgb: np.ndarray, box: BoundingBox, characters: int, clusters: int
) -> list[tuple[float, TextInk, np.ndarray]]:
    """Every colour class (and its flat-fill core) of the crop that looks like a line of glyphs, with its quality."""
    labels, centres = _cluster_colours(rgb, clusters)
    in_box = labels[box.y : box.y + box.height, box.x : box.x + box.width]
    candidates = []
    for cluster in range(clusters):
        if (in_box == cluster).mean() < MIN_BOX_SHARE:
            continue  # too little of this class inside the line to be its glyphs
        members = labels == cluster
        for mask in (members, _flat_colour_mask(rgb, members, box, centres, cluster)):
            found = _text_like(mask, box) if mask is not None else None
            if found is not None:
                quality, ink = found
                if characters:
                    quality *= min(1.0, ink.columns / (0.6 * characters))
                candidates.append((quality, ink, mask))
    return candidates


def _enclosed_region(mask: np.ndarray) -> np.ndarray:
    """The pixels that ``mask``'s strokes enclose (not reachable from the crop's border), not the strokes.

    No morphological closing: the fill of a thin glyph inside its outline is one or two pixels wide
    and a closing would fill it with outline.
    """
    outside = np.pad(1 - mask.astype(np.uint8), 1, constant_values=1)
    flood = outside.copy()
    cv2.floodFill(flood, None, (0, 0), 2)
    holes = (flood[1:-1, 1:-1] == 1) & (outside[1:-1, 1:-1] == 1)
    return holes


def _off_border(mask: np.ndarray) -> np.ndarray:
    """``mask`` without its connected components that touch the crop's border (background, not glyphs)."""
    count, labels, stats = _components(mask.astype(np.uint8))
    rows, cols = mask.shape
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    keep = (x > 0) & (y > 0) & (x + w < cols) & (y + h < rows)
    keep[0] = False
    return keep[labels]


def _components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The 8-connected components of a uint8 mask: their count, the label image and each one's
    ``(x, y, width, height, area)`` row (row 0 the background).

    OpenCV's block-based BBDT labelling: with statistics it took 0.16-0.32 ms on a notice's line
    crop against 0.36-0.43 ms for the default (Spaghetti). The components are the same pixel sets
    whatever the algorithm, and every reader here treats them as a set, not by label number.
    """
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return count, labels, stats


def _share_within(mask: np.ndarray, region: np.ndarray, box: BoundingBox) -> float:
    """The share of ``mask``'s pixels inside ``box`` that also lie in ``region``."""
    window = (slice(box.y, box.y + box.height), slice(box.x, box.x + box.width))
    inside = mask[window]
    total = int(inside.sum())
    return float((inside & region[window]).sum()) / total if total else 0.0


def _scaled(box: BoundingBox, scale: float) -> BoundingBox:
    return BoundingBox(round(box.x * scale), round(box.y * scale), round(box.width * scale), round(box.height * scale))


def _cluster_colours(crop: np.ndarray, clusters: int = CLUSTERS) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel class (0..clusters-1) and class centres of a deterministic k-means on RGB.

    Seeds are the pixels at luminance quantiles and the rounds run on an evenly strided sample,
    so the same crop always gives the same classes, on every machine (see ``_nearest``).
    """
    pixels = crop.reshape(-1, 3)
    sample = pixels[:: max(1, len(pixels) // KMEANS_SAMPLE)]
    channels = _channel_rows(sample)
    luma = _weighted_sum(channels, _LUMA_WEIGHTS, np.empty(len(sample)), np.empty(len(sample)))
    order = np.argsort(luma, kind="stable")
    quantiles = np.linspace(0.03, 0.97, clusters)
    centres = sample[[order[int(q * (len(order) - 1))] for q in quantiles]].astype(np.float32)
    for _ in range(KMEANS_ROUNDS):
        labels = _nearest(channels, centres)
        # Each class's mean colour: the samples are whole levels and fewer than 2**13, so the sums are
        # exact in any order and these are the float32 means of the members to the bit.
        counts = np.bincount(labels, minlength=clusters)
        sums = np.stack([np.bincount(labels, weights=row, minlength=clusters) for row in channels], axis=1)
        filled = counts > 0
        centres[filled] = sums[filled] / counts[filled, None]
    return _nearest(_channel_rows(pixels), centres).reshape(crop.shape[:2]), centres


def _channel_rows(pixels: np.ndarray) -> np.ndarray:
    """RGB uint8 pixels (N, 3) as three contiguous rows (3, N), the layout ``_weighted_sum`` reads."""
    return np.ascontiguousarray(pixels.T)


def _weighted_sum(channels: np.ndarray, weights: Sequence[float], out: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """``sum_c weights[c] * channels[c]`` per point into ``out``, in float64, in channel order.

    Element-wise IEEE steps in a fixed order give the same value on every machine, unlike a float32
    matrix product, whose rounding follows the BLAS kernel. For uint8 channels and float32 weights
    (24 bits) every product is exact, and so is the sum unless a weight is below 2**-12 with
    another one large.
    """
    np.multiply(channels[0], weights[0], out=out)
    for row, weight in zip(channels[1:], weights[1:], strict=True):
        np.multiply(row, weight, out=scratch)
        out += scratch
    return out


def _nearest(channels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each pixel (``_channel_rows`` of RGB uint8 pixels).

    The squared distance expanded to ``|c|^2 - 2 p.c`` in float64 (``_weighted_sum``): the same
    classes on every machine. The float32 matrix product it replaces rounds per BLAS kernel, by up
    to ~0.01 on distances of ~1e5, enough to move near-tied pixels between classes: 16 of 601
    random crops (2 of the ~200 with text drawn in) measure another glyph height with these
    distances than with that rounding on one machine. The first nearest wins a tie.
    """
    count = channels.shape[1]
    labels = np.zeros(count, dtype=np.int32)
    best = np.full(count, np.inf)
    distance, scratch = np.empty(count), np.empty(count)
    for k, centre in enumerate(centres.astype(np.float64).tolist()):
        _weighted_sum(channels, centre, distance, scratch)
        distance *= -2.0
        distance += centre[0] * centre[0] + centre[1] * centre[1] + centre[2] * centre[2]
        labels[distance < best] = k
        np.minimum(best, distance, out=best)
    return labels


def _flat_colour_mask(
    rgb: np.ndarray, members: np.ndarray, box: BoundingBox, centres: np.ndarray, cluster: int
) -> np.ndarray | None:
    """Pixels at least half-way to the class's commonest colour inside the box (a flat text fill).

    Labels are drawn in one flat colour; background pixels of the same class are merely similar.
    A pixel counts as ink when it is nearer that colour than half the distance to the nearest
    other class centre (the half-coverage rule for anti-aliased edges), and one-pixel bridges to
    similar background are cut by a 2×2 opening.
    """
    inside = members[box.y : box.y + box.height, box.x : box.x + box.width]
    colours = rgb[box.y : box.y + box.height, box.x : box.x + box.width][inside]
    if len(colours) < 16:
        return None
    bins = (colours // 32).astype(np.int32)
    keys = bins[:, 0] * 64 + bins[:, 1] * 8 + bins[:, 2]
    mode = colours[keys == np.bincount(keys).argmax()].astype(np.float32).mean(axis=0)
    others = np.delete(centres, cluster, axis=0)
    radius = min(FLAT_RADIUS, max(12.0, 0.5 * float(np.sqrt(((others - mode) ** 2).sum(axis=1)).min())))
    squares = _squared_differences(rgb, mode)
    distance = np.sqrt(squares[..., 0] + squares[..., 1] + squares[..., 2])
    mask = (distance < radius).astype(np.uint8)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(bool)


def _squared_differences(rgb: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Per pixel and channel, ``(level - colour) ** 2`` in float32 for an RGB uint8 crop and a float32 colour.

    Each channel's 256 squared differences are tabulated once and looked up (one OpenCV call for the
    three channels): the same float32 values as converting the crop and subtracting.
    """
    table = ((np.arange(256, dtype=np.float32)[:, None] - colour[None, :]) ** 2).reshape(1, 256, 3)
    return cv2.LUT(rgb, table)


def _text_like(mask: np.ndarray, box: BoundingBox) -> tuple[float, TextInk] | None:
    """How much ``mask`` looks like a line of glyphs, and its ink; None when it does not at all."""
    count, _, stats = _components(mask.view(np.uint8))
    rows, cols = mask.shape
    line_height = max(4, box.height)
    tolerance = BOX_TOLERANCE * line_height
    top, bottom = box.y - tolerance, box.y + box.height + tolerance
    left, right = box.x - tolerance, box.x + box.width + tolerance
    x, y, w, h = (stats[1:count, i] for i in range(4))
    touches_border = (x == 0) | (y == 0) | (x + w == cols) | (y + h == rows)
    outside = (y < top) | (y + h > bottom) | (x < left) | (x + w > right)
    speck = np.maximum(w, h) < MIN_PART_SIZE * line_height
    parts: list[tuple[int, int, int, int, int]] = [
        tuple(part) for part in stats[1:count][~(touches_border | outside | speck)].tolist()
    ]
    if not parts:
        return None
    columns = _columns(parts)
    tallest = max(c[3] - c[2] for c in columns)
    heights = [c[3] - c[2] for c in columns if c[3] - c[2] >= MIN_COLUMN_HEIGHT * tallest]
    kept_area = sum(area for *_, area in parts)
    total = int(np.count_nonzero(mask))
    span = sum(right - left for left, right, _, _ in columns) / cols
    quality = (kept_area / max(total, 1)) * min(1.0, span * 1.5) * min(1.0, len(heights) / 2)
    if quality <= 0.02:
        return None
    x0 = min(p[0] for p in parts)
    y0 = min(p[1] for p in parts)
    x1 = max(p[0] + p[2] for p in parts)
    y1 = max(p[1] + p[3] for p in parts)
    kept = tuple(c for c in columns if c[3] - c[2] >= MIN_COLUMN_HEIGHT * tallest)
    return quality, TextInk(min(heights), BoundingBox(x0, y0, x1 - x0, y1 - y0), len(heights), kept)


def _rule_height(heights: list[int], measured: tuple[bool, ...]) -> int:
    """The smallest height over the columns of the characters that count (``measured``, in order).

    One column per character: the counted characters' columns. Otherwise (a character split into
    side-by-side parts, 辅 = 车 + 甫, or touching glyphs merged) the smallest of as many tallest
    columns as characters count: ideographs are the tallest glyphs of a mixed wording (ink about
    0.9 em against 0.7 em for Latin capitals).
    """
    counted = sum(measured)
    if not measured or counted in (0, len(measured)):
        return min(heights)
    if len(heights) == len(measured):
        return min(h for h, keep in zip(heights, measured, strict=True) if keep)
    return sorted(heights, reverse=True)[min(counted, len(heights)) - 1]


def _with_half_covered_edges(
    rgb: np.ndarray, mask: np.ndarray, ink: TextInk, measured: tuple[bool, ...] = ()
) -> TextInk:
    """The ink with each column grown by the row above and below it that is at least half glyph.

    A class or colour mask keeps only pixels nearest the text colour, losing anti-aliased edge rows
    that the notice rule counts (coverage >= 1/2, see ``clearmark.notice.glyphs.INK_LEVEL``). Such a
    row's coverage is estimated per pixel as its position between the pixel one row further out
    (background or outline) and the column's text colour.
    """
    if not ink.column_boxes:
        return ink
    rows = rgb.shape[0]
    heights = []
    for left, right, top, bottom in ink.column_boxes:
        inside = mask[top:bottom, left:right]
        if not inside.any():
            heights.append(bottom - top)
            continue
        text = np.median(rgb[top:bottom, left:right][inside].astype(np.float32), axis=0)
        grown = bottom - top
        for edge, outer, ink_row in ((top - 1, top - 2, top), (bottom, bottom + 1, bottom - 1)):
            if outer < 0 or outer >= rows:
                continue
            touching = mask[ink_row, left:right]
            edge_row, outer_row = (rgb[row, left:right].astype(np.float32) for row in (edge, outer))
            if touching.any() and _coverage(edge_row, outer_row, text)[touching].max() >= 0.5:
                grown += 1
        heights.append(grown)
    return TextInk(_rule_height(heights, measured), ink.ink_box, ink.columns, ink.column_boxes)


def _coverage(edge: np.ndarray, outside: np.ndarray, text: np.ndarray) -> np.ndarray:
    """Per pixel, how far ``edge`` lies from ``outside`` towards ``text`` (0..1; 0 where they cannot be told apart)."""
    span = text[None, :] - outside
    norm = (span * span).sum(axis=1)
    share = ((edge - outside) * span).sum(axis=1) / np.maximum(norm, 1.0)
    return np.where(norm > 900.0, np.clip(share, 0.0, 1.0), 0.0)


def _columns(parts: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """Components merged into character columns where their x-ranges overlap: (left, right, top, bottom)."""
    merged: list[list[int]] = []
    for x, y, w, h, _ in sorted(parts):
        if merged and x < merged[-1][1]:
            column = merged[-1]
            column[1] = max(column[1], x + w)
            column[2] = min(column[2], y)
            column[3] = max(column[3], y + h)
        else:
            merged.append([x, x + w, y, y + h])
    return [(a, b, c, d) for a, b, c, d in merged]


def _inside(inner: TextInk, outer: TextInk) -> bool:
    """True when ``inner``'s ink lies vertically within ``outer``'s (±1 px) and they mostly share columns."""
    a, b = inner.ink_box, outer.ink_box
    shared = min(a.x + a.width, b.x + b.width) - max(a.x, b.x)
    return a.y >= b.y - 1 and a.y + a.height <= b.y + b.height + 1 and shared >= 0.5 * min(a.width, b.width)
