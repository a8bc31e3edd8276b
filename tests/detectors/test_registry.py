"""Running detectors: side by side on threads, the same signals in the same order as one after another."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.registry import DetectorContext, run_detectors
from clearmark.media import DEFAULT_LIMITS, open_asset
from clearmark.media.asset import Asset
from clearmark.service.pipelines import PipelineConfig, StampJob, stamp_content
from clearmark.service.pipelines.workers import detectors_for
from tests.conftest import PRODUCER, encode, make_image

CONTEXT = DetectorContext(watermark_key=bytes(range(32)))
CONFIG = PipelineConfig(detectors=CONTEXT, watermark_embed=True)


@pytest.fixture(scope="module")
def stamped() -> bytes:
    content = encode(make_image(960, 540), "JPEG", quality=92)
    return stamp_content(StampJob("req-1", "t", content, PRODUCER), CONFIG).content


@pytest.mark.parametrize("threads", [2, 4])
def test_threads_give_the_same_signals_in_the_same_order(stamped: bytes, threads: int) -> None:
    detectors = detectors_for(CONTEXT)
    in_turn = run_detectors(detectors, open_asset(stamped, DEFAULT_LIMITS), threads=1)
    side_by_side = run_detectors(detectors, open_asset(stamped, DEFAULT_LIMITS), threads=threads)
    assert side_by_side == in_turn
    kinds = {signal.kind for signal in in_turn}
    assert {SignalKind.NOTICE_SEEN, SignalKind.WATERMARK_CLEARMARK, SignalKind.METADATA_LABEL} <= kinds


@dataclass
class _Meeting:
    """A detector that only finishes once ``parties`` detectors are inside ``detect`` at the same time."""

    name: str
    barrier: threading.Barrier
    timeout_s: float = 10.0
    pixels: list[np.ndarray] = field(default_factory=list)
    version: str = "1"
    kinds: frozenset[MediaKind] = frozenset({MediaKind.IMAGE})

    def detect(self, asset: Asset) -> list[Signal]:
        self.pixels.append(asset.pixels)
        self.barrier.wait(timeout=self.timeout_s)
        return []


def test_detectors_run_at_the_same_time_on_one_decode(stamped: bytes) -> None:
    barrier = threading.Barrier(2)
    first, second = _Meeting("a", barrier), _Meeting("b", barrier)
    assert run_detectors([first, second], open_asset(stamped, DEFAULT_LIMITS), threads=2) == ()
    assert first.pixels[0] is second.pixels[0]  # one decoded array, shared

    alone = threading.Barrier(2)
    with pytest.raises(threading.BrokenBarrierError):  # one after another they never meet
        run_detectors([_Meeting("c", alone, 0.2), _Meeting("d", alone, 0.2)], open_asset(stamped, DEFAULT_LIMITS))


@dataclass
class _Failing:
    name: str
    message: str
    version: str = "1"
    kinds: frozenset[MediaKind] = frozenset({MediaKind.IMAGE})

    def detect(self, asset: Asset) -> list[Signal]:
        raise InvalidMedia(self.message)


def test_the_first_failure_in_detector_order_is_raised(stamped: bytes) -> None:
    detectors = [*detectors_for(CONTEXT)[:3], _Failing("x", "first"), _Failing("y", "second")]
    for threads in (1, 2):
        with pytest.raises(InvalidMedia, match="first"):
            run_detectors(detectors, open_asset(stamped, DEFAULT_LIMITS), threads=threads)
