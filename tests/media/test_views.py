"""Derived views: computed once per asset by the first reader, shared by the rest, thread-safe, never global."""

from __future__ import annotations

import threading

import cv2
import numpy as np
import pytest

from clearmark.media import MediaLimits, open_asset
from clearmark.media.asset import Asset
from clearmark.media.perceptual import PHASH, image_phash
from clearmark.media.views import GREY, DerivedView, luma
from tests.conftest import encode, make_image

LIMITS = MediaLimits()


def _asset(jpeg_bytes: bytes) -> Asset:
    return open_asset(jpeg_bytes, LIMITS)


def _counting(name: str = "count") -> tuple[DerivedView[int], list[int]]:
    calls: list[int] = []

    def compute(asset: Asset) -> int:
        calls.append(1)
        return asset.size

    return DerivedView(name, compute), calls


def test_a_view_is_computed_once_per_asset_and_shared(jpeg_bytes: bytes) -> None:
    view, calls = _counting()
    asset = _asset(jpeg_bytes)
    assert asset.view(view) == asset.view(view) == len(jpeg_bytes)
    assert len(calls) == 1
    assert asset.views.computed() == ("count",)
    other = _asset(jpeg_bytes)  # another request's asset computes its own
    assert other.view(view) == len(jpeg_bytes)
    assert len(calls) == 2


def test_readers_on_many_threads_compute_a_view_once(jpeg_bytes: bytes) -> None:
    calls: list[int] = []
    started = threading.Barrier(8)

    def slow(asset: Asset) -> np.ndarray:
        calls.append(1)
        return luma(asset.pixels)

    view = DerivedView("slow", slow)
    asset = _asset(jpeg_bytes)
    results: list[np.ndarray] = []

    def read() -> None:
        started.wait()
        results.append(asset.view(view))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)


def test_a_failing_view_is_not_remembered(jpeg_bytes: bytes) -> None:
    attempts: list[int] = []

    def broken(asset: Asset) -> int:
        attempts.append(1)
        raise ValueError("no")

    view = DerivedView("broken", broken)
    asset = _asset(jpeg_bytes)
    for _ in range(2):
        with pytest.raises(ValueError):
            asset.view(view)
    assert len(attempts) == 2
    assert asset.views.computed() == ()


def test_grey_is_the_read_only_luma_of_the_pixels(jpeg_bytes: bytes) -> None:
    asset = _asset(jpeg_bytes)
    grey = asset.view(GREY)
    assert grey.shape == asset.pixels.shape[:2] and grey.dtype == np.uint8
    assert not grey.flags.writeable
    np.testing.assert_array_equal(grey, cv2.cvtColor(np.ascontiguousarray(asset.pixels), cv2.COLOR_RGB2GRAY))


def test_grey_of_an_rgba_picture_ignores_alpha() -> None:
    rgba = make_image(96, 64).convert("RGBA")
    rgba.putalpha(17)
    asset = open_asset(encode(rgba, "PNG"), LIMITS)
    assert asset.pixels.shape[2] == 4
    np.testing.assert_array_equal(asset.view(GREY), luma(np.asarray(rgba.convert("RGB"))))


def test_the_asset_hash_is_the_picture_hash(jpeg_bytes: bytes) -> None:
    asset = _asset(jpeg_bytes)
    assert asset.view(PHASH) == image_phash(asset.image.image) == image_phash(asset.pixels)
    assert set(asset.views.computed()) == {"grey", "phash"}
