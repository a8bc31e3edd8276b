"""Views derived from an asset once and shared by every reader: its grey plane, its perceptual hash, and the like.

A ``DerivedView`` names one derivation (``Asset -> T``); ``Asset.view(VIEW)`` computes it the first
time any reader asks and hands every later reader the same value. Values live on the asset (one
request's content), never in a global, and each view is computed under its own lock, so detectors
running on one asset from several threads still compute it once. Array values are read-only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, TypeVar, cast

import cv2
import numpy as np

if TYPE_CHECKING:
    from clearmark.media.asset import Asset

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class DerivedView(Generic[T]):
    """One derivation of an asset, computed lazily and at most once per asset; the object itself is the key."""

    name: str
    compute: Callable[[Asset], T] = field(repr=False)


class DerivedViews:
    """The derived views of one asset: a memo of ``DerivedView -> value``, safe to share between threads."""

    def __init__(self, asset: Asset) -> None:
        self._asset = asset
        self._values: dict[DerivedView[object], object] = {}
        self._locks: dict[DerivedView[object], threading.RLock] = {}
        self._guard = threading.Lock()

    def get(self, view: DerivedView[T]) -> T:
        """The view's value, computed now by this caller if no reader has asked before.

        A computation that raises is not remembered: the next reader tries again (and raises again).
        """
        key = cast("DerivedView[object]", view)
        if key in self._values:
            return cast(T, self._values[key])
        with self._guard:
            lock = self._locks.setdefault(key, threading.RLock())
        with lock:
            if key not in self._values:
                self._values[key] = view.compute(self._asset)
            return cast(T, self._values[key])

    def computed(self) -> tuple[str, ...]:
        """The names of the views computed so far (for tests and profiles)."""
        return tuple(view.name for view in self._values)


def luma(pixels: np.ndarray) -> np.ndarray:
    """The uint8 grey plane (ITU-R BT.601 weights, OpenCV's rounding) of an RGB(A) uint8 frame; alpha ignored."""
    if pixels.ndim == 2:
        return pixels
    return cv2.cvtColor(np.ascontiguousarray(pixels[..., :3]), cv2.COLOR_RGB2GRAY)


def _grey(asset: Asset) -> np.ndarray:
    grey = luma(asset.pixels)
    grey.setflags(write=False)
    return grey


# The picture's grey plane: the OCR gate, QR codes, the watermark reader and the perceptual hash read it.
GREY: DerivedView[np.ndarray] = DerivedView("grey", _grey)
