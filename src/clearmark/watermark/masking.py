"""Perceptual masking: where a picture can hide the mark, as a per-pixel gain on the working canvas.

The gain follows the local contrast of the picture's mid band (structures a few canvas pixels wide,
below the mark's own band): busy regions take more of the mark, flat ones less, the mean gain is 1.
Measuring below the mark's band has two uses: the embedder and the decoder compute the same map
(the mark barely moves it), and a noise residual lifted from a marked picture carries the mark
but not the band the map is made of, so a transplanted mark keeps its source's map
(see ``binding``).
"""

from __future__ import annotations

import cv2
import numpy as np

# The band the map is measured in (canvas pixels): a smoothed copy less a smoother one.
# The inner blur keeps the mark's own band (and a sigma-1 px denoiser's residual) out of the map.
_BAND_INNER_SIGMA = 2.5
_BAND_OUTER_SIGMA = 6.0
_ENERGY_SIGMA = 5.0
# Gain = (contrast / median contrast) ** _EXPONENT, clipped to [_FLOOR, _CEILING], then mean 1.
_EXPONENT = 0.6
_FLOOR = 0.4
_CEILING = 2.2


def band_contrast(canvas: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Local RMS contrast of the canvas's mid band (float32, same shape); ``scale`` > 1 when the
    canvas shows the picture enlarged (a crop), so the band stays the one the embedder measured."""
    canvas = canvas.astype(np.float32, copy=False)
    inner = cv2.GaussianBlur(canvas, (0, 0), _BAND_INNER_SIGMA * scale)
    band = inner - cv2.GaussianBlur(canvas, (0, 0), _BAND_OUTER_SIGMA * scale)
    return np.sqrt(cv2.GaussianBlur(band * band, (0, 0), _ENERGY_SIGMA * scale))


def masking_gain(canvas: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """The mark's per-pixel gain on a canvas: more where the mid band is busy, mean 1 (float32)."""
    contrast = band_contrast(canvas, scale)
    reference = max(float(np.median(contrast)), 0.5)
    gain = np.clip((contrast / reference) ** _EXPONENT, _FLOOR, _CEILING)
    return (gain / float(gain.mean())).astype(np.float32)
