"""The detector registry: detectors that declare ``runs_beside`` run on a helper thread, signals stay in order."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from clearmark.core.enums import MediaKind
from clearmark.core.errors import InvalidMedia
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.registry import run_detectors
from clearmark.media.asset import Asset, open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.views import DerivedView
from tests.conftest import encode, make_image


class _Named:
    """A detector that reports one signal named after it, after waiting for ``ready`` when given one."""

    kinds = frozenset({MediaKind.IMAGE})
    version = "1"

    def __init__(
        self,
        name: str,
        *,
        beside: bool = False,
        ready: threading.Event | None = None,
        then: threading.Event | None = None,
    ) -> None:
        self.name, self.runs_beside, self._ready, self._then = name, beside, ready, then
        self.thread = ""

    def detect(self, asset: Asset) -> list[Signal]:
        self.thread = threading.current_thread().name
        if self._ready is not None and not self._ready.wait(timeout=10):
            raise TimeoutError(f"{self.name} waited for a detector that never ran")
        if self._then is not None:
            self._then.set()
        return [Signal(self.name, SignalKind.OCR_TEXT, 1.0, rule_id="test.named", rule_version="1")]


@pytest.fixture
def asset() -> Asset:
    return open_asset(encode(make_image(64, 48), "PNG"), MediaLimits())


def test_a_beside_detector_runs_on_the_pool_while_the_others_run_here(asset: Asset) -> None:
    # The beside detector waits for the last in-line one: in turn this would never finish.
    last_ran = threading.Event()
    beside = _Named("ocr", beside=True, ready=last_ran)
    detectors = (_Named("first"), beside, _Named("last", then=last_ran))
    with ThreadPoolExecutor(1, thread_name_prefix="helper") as pool:
        signals = run_detectors(detectors, asset, pool)

    assert [s.source for s in signals] == ["first", "ocr", "last"]
    assert beside.thread.startswith("helper") and detectors[0].thread == threading.current_thread().name


def test_without_a_pool_every_detector_runs_in_turn_here(asset: Asset) -> None:
    detectors = (_Named("first"), _Named("ocr", beside=True), _Named("last"))
    signals = run_detectors(detectors, asset)

    assert [s.source for s in signals] == ["first", "ocr", "last"]
    assert {d.thread for d in detectors} == {threading.current_thread().name}


def test_a_beside_detectors_error_reaches_the_caller(asset: Asset) -> None:
    class Failing(_Named):
        def detect(self, asset: Asset) -> list[Signal]:
            raise ValueError("bad frame")

    with ThreadPoolExecutor(1) as pool, pytest.raises(ValueError, match="bad frame"):
        run_detectors((_Named("first"), Failing("ocr", beside=True)), asset, pool)


def test_meanwhile_views_are_computed_here_while_the_beside_detectors_run(asset: Asset) -> None:
    view_ran = threading.Event()
    beside = _Named("ocr", beside=True, ready=view_ran)  # finishes only once the view was computed
    threads: list[str] = []

    def compute(_: Asset) -> int:
        threads.append(threading.current_thread().name)
        view_ran.set()
        return 7

    view = DerivedView("meanwhile", compute)
    with ThreadPoolExecutor(1) as pool:
        signals = run_detectors((_Named("first"), beside), asset, pool, meanwhile=(view,))

    assert [s.source for s in signals] == ["first", "ocr"]
    assert threads == [threading.current_thread().name] and asset.view(view) == 7 and len(threads) == 1


def test_a_failing_meanwhile_view_is_left_to_its_reader(asset: Asset) -> None:
    def broken(_: Asset) -> int:
        raise InvalidMedia("no pixels")

    view = DerivedView("broken", broken)
    with ThreadPoolExecutor(1) as pool:
        signals = run_detectors((_Named("ocr", beside=True),), asset, pool, meanwhile=(view,))
    assert [s.source for s in signals] == ["ocr"]
    with pytest.raises(InvalidMedia, match="no pixels"):
        asset.view(view)
