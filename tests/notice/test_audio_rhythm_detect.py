"""Detecting 短长短短 by signal processing: codecs, level, other tones and units, content under it, no false alarms."""

from __future__ import annotations

import numpy as np
import pytest
from bench.audio.attacks import ATTACKS
from bench.audio.signals import mix_under, music_like, speech_like

from clearmark.notice.audio_rhythm import NoticePosition, RhythmStyle, mix_rhythm, render_rhythm
from clearmark.notice.audio_rhythm_detect import detect_rhythm, detect_rhythm_stream

RATE = 16000


def _track(style: RhythmStyle, at_s: float, duration_s: float = 12.0, rate: int = RATE) -> np.ndarray:
    track = np.zeros(int(duration_s * rate), dtype=np.float32)
    clip = render_rhythm(rate, style)
    start = int(at_s * rate)
    track[start : start + clip.size] = clip
    return track


@pytest.mark.parametrize(
    "style",
    [
        RhythmStyle(),
        RhythmStyle(unit_ms=60, frequency_hz=420),
        RhythmStyle(unit_ms=250, frequency_hz=2900),
        RhythmStyle(unit_ms=120, frequency_hz=800, letter_gap_units=3),  # gtkit/aigc's 800 Hz, Morse letter gap
        RhythmStyle(unit_ms=90, frequency_hz=1500, level_dbfs=-30),
    ],
    ids=["default", "60ms-420Hz", "250ms-2900Hz", "800Hz-letter-gap-3", "quiet-1500Hz"],
)
def test_each_style_is_found_with_its_time_unit_and_tone(style: RhythmStyle) -> None:
    found = detect_rhythm(_track(style, 3.0), RATE)
    assert len(found) == 1
    hit = found[0]
    assert hit.start_s == pytest.approx(3.0, abs=0.03)
    assert hit.end_s == pytest.approx(3.0 + style.duration_s, abs=0.03)
    assert hit.unit_ms == pytest.approx(style.unit_ms, rel=0.08)
    assert hit.frequency_hz == pytest.approx(style.frequency_hz, rel=0.02)
    assert hit.letter_gap_units == pytest.approx(style.letter_gap_units, abs=0.4)
    assert hit.level_dbfs == pytest.approx(style.level_dbfs, abs=1.5)


@pytest.mark.parametrize("background", ["music", "speech"])
@pytest.mark.parametrize("attack", ["none", "mp3_128k", "aac_128k", "opus_64k", "gain_-12db"])
def test_found_over_content_at_minus_10_db_after_codecs_and_level_changes(background: str, attack: str) -> None:
    make = music_like if background == "music" else speech_like
    mixed = mix_under(_track(RhythmStyle(), 4.0), make(11, 12.0, RATE), -10.0)
    attacked, rate = ATTACKS[attack](mixed[:, None], RATE)
    found = detect_rhythm(attacked, rate)
    assert len(found) == 1, found
    assert found[0].start_s == pytest.approx(4.0, abs=0.1)  # AAC adds its priming delay


def test_every_placement_of_a_mixed_label_is_reported_in_order_in_stereo_44k() -> None:
    rate = 44100
    content = np.stack([music_like(2, 20.0, rate), speech_like(2, 20.0, rate)], axis=1) * np.float32(0.3)
    positions = (NoticePosition.START, NoticePosition.MIDDLE, NoticePosition.END)
    mixed, report = mix_rhythm(content, rate, positions=positions)
    found = detect_rhythm(mixed, rate)
    assert [hit.start_s for hit in found] == pytest.approx(list(report.starts_s), abs=0.03)


def test_streaming_finds_occurrences_across_analysis_windows_once() -> None:
    rate = 8000
    style = RhythmStyle()
    track = np.zeros(int(130 * rate), dtype=np.float32)
    clip = render_rhythm(rate, style)
    starts = [5.0, 59.5, 65.8, 119.9]  # around the 60 s window edges and inside the 6 s overlap
    for start in starts:
        track[int(start * rate) : int(start * rate) + clip.size] += clip
    chunks = (track[i : i + 12345] for i in range(0, track.size, 12345))
    found = list(detect_rhythm_stream(chunks, rate))
    assert [hit.start_s for hit in found] == pytest.approx(starts, abs=0.03)


@pytest.mark.parametrize("seed", range(6))
def test_no_false_alarm_on_speech_and_music(seed: int) -> None:
    # The bench measures the false-positive rate over 1,000+ such signals; this is a small sample.
    assert detect_rhythm(music_like(1000 + seed, 15.0, RATE), RATE) == ()
    assert detect_rhythm(speech_like(2000 + seed, 15.0, RATE), RATE) == ()


def test_other_beep_patterns_are_not_the_rhythm() -> None:
    rate = RATE
    unit = int(0.12 * rate)
    tone = np.sin(2 * np.pi * 1000 * np.arange(3 * unit) / rate).astype(np.float32) * 0.5
    for pattern in [(1, 1, 1, 1), (3, 1, 1, 1), (1, 3, 1, 1, 1), (1, 3, 3, 1)]:  # ····, -···, ·-···, ·--·
        pieces = [np.zeros(rate, np.float32)]
        for units in pattern:
            pieces += [tone[: units * unit], np.zeros(unit, np.float32)]
        pieces.append(np.zeros(rate, np.float32))
        assert detect_rhythm(np.concatenate(pieces), rate) == (), pattern
