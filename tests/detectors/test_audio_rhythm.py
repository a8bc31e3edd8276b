"""The rhythm detector on assets: every occurrence with its time and position, streamed from a spooled file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from bench.audio.attacks import ATTACKS
from bench.audio.signals import mix_under, music_like, speech_like

from clearmark.core.enums import Category
from clearmark.core.kinds import Attr, SignalKind
from clearmark.detectors.audio_rhythm import AudioRhythmDetector
from clearmark.media import DEFAULT_LIMITS, open_asset
from clearmark.media.audio import encode_audio
from clearmark.media.source import Source
from clearmark.notice.audio_rhythm import NoticePosition, RhythmStyle, mix_rhythm

RATE = 44100


def content(seconds: float, seed: int = 3) -> np.ndarray:
    return np.stack([music_like(seed, seconds, RATE), speech_like(seed, seconds, RATE)], axis=1) * np.float32(0.3)


def test_each_placement_is_a_signal_with_time_and_position(tmp_path: Path) -> None:
    positions = (NoticePosition.START, NoticePosition.MIDDLE, NoticePosition.END)
    mixed, mix = mix_rhythm(content(20.0), RATE, positions=positions)
    path = tmp_path / "spooled.flac"
    path.write_bytes(encode_audio(mixed, RATE, "flac") or b"")
    asset = open_asset(Source(path=path), DEFAULT_LIMITS)  # read from the file, as a streamed upload is
    signals = AudioRhythmDetector().detect(asset)
    assert [s.kind for s in signals] == [SignalKind.AUDIO_RHYTHM] * 3
    assert [s.attribute(Attr.POSITION) for s in signals] == ["start", "middle", "end"]
    for signal, start in zip(signals, mix.starts_s, strict=True):
        assert signal.location.time_start_ms == pytest.approx(start * 1000, abs=30)
        assert signal.location.time_end_ms == pytest.approx((start + mix.duration_s) * 1000, abs=40)
        assert signal.category_hint is Category.AI_SUSPECTED and signal.confidence >= 0.6
        assert signal.attribute(Attr.DURATION_S) == "20.000"


@pytest.mark.parametrize("background", ["music", "speech"])
def test_found_after_mp3_re_encoding_under_content_at_minus_10_db(background: str) -> None:
    make = music_like if background == "music" else speech_like
    track = np.zeros(int(12 * RATE), dtype=np.float32)
    with_rhythm, _ = mix_rhythm(track, RATE, RhythmStyle(unit_ms=100, frequency_hz=1300))
    mixed = mix_under(with_rhythm, make(21, 12.0, RATE), -10.0)
    attacked, rate = ATTACKS["mp3_128k"](mixed[:, None], RATE)
    asset = open_asset(encode_audio(attacked, rate, "mp3") or b"", DEFAULT_LIMITS)
    (signal,) = AudioRhythmDetector().detect(asset)
    assert signal.attribute(Attr.POSITION) == "start"
    assert float(signal.attribute("frequency_hz")) == pytest.approx(1300, rel=0.03)


def test_audio_without_the_rhythm_gives_no_signal() -> None:
    asset = open_asset(encode_audio(content(10.0, seed=9), RATE, "opus") or b"", DEFAULT_LIMITS)
    assert AudioRhythmDetector().detect(asset) == []
