"""Detector of the audible explicit label: every 短长短短 rhythm in the audio, with its time and where it sits."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.audio.source import iter_asset_pcm
from clearmark.notice.audio_rhythm import RHYTHM_NAME
from clearmark.notice.audio_rhythm_detect import RhythmOccurrence, detect_rhythm_stream

# A rhythm beginning this close to the start (or ending this close to the end) is "at the start" ("at the end").
EDGE_WINDOW_S = 3.0


def rhythm_position(occurrence: RhythmOccurrence, duration_s: float) -> str:
    """``start``, ``end`` or ``middle``: where in audio of ``duration_s`` the rhythm sits."""
    if occurrence.start_s <= EDGE_WINDOW_S:
        return "start"
    if occurrence.end_s >= duration_s - EDGE_WINDOW_S:
        return "end"
    return "middle"


class AudioRhythmDetector:
    """Finds the rhythm by band energy and beep pattern (any tone 400-3000 Hz, units 45-300 ms), streamed."""

    name = "explicit.audio_rhythm"
    version = "1"
    kinds = frozenset({MediaKind.AUDIO})

    def detect(self, asset: Asset) -> list[Signal]:
        frames = 0
        rate = 0

        def blocks() -> Iterator[np.ndarray]:
            nonlocal frames, rate
            for info, block in iter_asset_pcm(asset):
                rate = info.sample_rate
                frames += block.shape[0]
                yield block

        stream = blocks()
        first = next(stream, None)
        if first is None:
            return []
        found = list(detect_rhythm_stream(_chain(first, stream), rate))
        duration = frames / rate
        return [self._signal(occurrence, duration) for occurrence in found]

    def _signal(self, occurrence: RhythmOccurrence, duration_s: float) -> Signal:
        position = rhythm_position(occurrence, duration_s)
        return Signal(
            source=self.name,
            kind=SignalKind.AUDIO_RHYTHM,
            confidence=round(min(1.0, occurrence.tonality), 3),
            rule_id="gb45438.explicit.audio",
            rule_version=self.version,
            category_hint=Category.AI_SUSPECTED,
            location=Location(
                carrier="audio",
                time_start_ms=int(round(occurrence.start_s * 1000)),
                time_end_ms=int(round(occurrence.end_s * 1000)),
            ),
            message=(
                f"{RHYTHM_NAME} rhythm at {occurrence.start_s:.2f}-{occurrence.end_s:.2f} s ({position}): "
                f"{occurrence.unit_ms:.0f} ms units, {occurrence.frequency_hz:.0f} Hz, {occurrence.level_dbfs:.1f} dBFS"
            ),
            attributes=(
                (Attr.POSITION, position),
                (Attr.DURATION_S, f"{duration_s:.3f}"),
                ("start_s", f"{occurrence.start_s:.3f}"),
                ("end_s", f"{occurrence.end_s:.3f}"),
                ("unit_ms", f"{occurrence.unit_ms:.1f}"),
                ("frequency_hz", f"{occurrence.frequency_hz:.1f}"),
                ("level_dbfs", f"{occurrence.level_dbfs:.1f}"),
                ("letter_gap_units", f"{occurrence.letter_gap_units:.2f}"),
                ("tonality", f"{occurrence.tonality:.3f}"),
            ),
        )


def _chain(first: np.ndarray, rest: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
    yield first
    yield from rest


@register_detector(AudioRhythmDetector.name)
def _build(context: DetectorContext) -> AudioRhythmDetector:
    return AudioRhythmDetector()
