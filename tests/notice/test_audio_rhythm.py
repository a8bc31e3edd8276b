"""Rendering and mixing the audible label: timing of 短长短短, no clipping, spoken notices."""

from __future__ import annotations

import numpy as np
import pytest

from clearmark.media.audio import decode_audio, encode_audio
from clearmark.notice.audio_rhythm import (
    NoticePosition,
    RhythmStyle,
    mix_notice,
    mix_rhythm,
    render_rhythm,
    spoken_notice_clip,
)


def _beeps(clip: np.ndarray, rate: int) -> list[tuple[float, float]]:
    on = np.abs(clip) > 1e-3
    # Close the zero crossings of the sine: a beep is "on" while any sample within 2 ms is.
    width = int(0.002 * rate)
    envelope = np.convolve(on.astype(float), np.ones(width), mode="same") > 0
    edges = np.diff(np.concatenate([[0], envelope.astype(int), [0]]))
    return [(s / rate, e / rate) for s, e in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)]


def test_default_rhythm_is_short_long_short_short_in_120_ms_units() -> None:
    rate = 48000
    clip = render_rhythm(rate)
    beeps = _beeps(clip, rate)
    durations = [round(end - start, 2) for start, end in beeps]
    gaps = [round(beeps[i + 1][0] - beeps[i][1], 2) for i in range(3)]
    assert durations == [0.12, 0.36, 0.12, 0.12]
    assert gaps == [0.12, 0.12, 0.12]
    assert np.max(np.abs(clip)) == pytest.approx(10 ** (-6 / 20), rel=1e-3)
    spectrum = np.abs(np.fft.rfft(clip))
    assert np.argmax(spectrum) * rate / clip.size == pytest.approx(1000.0, abs=2.0)


def test_style_is_configurable_and_checked() -> None:
    style = RhythmStyle(unit_ms=80, frequency_hz=800, letter_gap_units=3)
    assert style.duration_s == pytest.approx(0.08 * (1 + 3 + 1 + 1 + 1 + 3 + 1))
    assert render_rhythm(16000, style).size == round(style.duration_s * 16000)
    with pytest.raises(ValueError):
        RhythmStyle(unit_ms=5)
    with pytest.raises(ValueError):
        RhythmStyle(level_dbfs=3)


def test_mixing_into_loud_stereo_never_clips_and_reports_the_gain_down() -> None:
    rate = 44100
    t = np.arange(rate * 6) / rate
    loud = np.stack([0.95 * np.sin(2 * np.pi * 220 * t), -0.95 * np.sin(2 * np.pi * 330 * t)], axis=1)
    loud = loud.astype(np.float32)
    positions = (NoticePosition.START, NoticePosition.MIDDLE, NoticePosition.END)
    mixed, report = mix_rhythm(loud, rate, positions=positions)
    assert mixed.shape == loud.shape and mixed.dtype == np.float32
    assert report.peak_after <= 0.98 + 1e-6 and np.max(np.abs(mixed)) <= 0.98 + 1e-6
    assert report.min_gain_db < -3.0
    assert len(report.starts_s) == 3 and report.starts_s[0] == pytest.approx(0.05)
    assert report.starts_s[-1] + report.duration_s == pytest.approx(6.0 - 0.05, abs=1e-3)
    # Away from the notices the content is untouched.
    quiet = slice(int(1.5 * rate), int(2.0 * rate))
    assert np.array_equal(mixed[quiet], loud[quiet])


def test_quiet_content_gets_no_gain_change_and_short_content_is_padded() -> None:
    rate = 16000
    quiet = np.full((rate // 2, 1), 0.01, dtype=np.float32)
    mixed, report = mix_rhythm(quiet, rate)
    assert report.min_gain_db == 0.0
    assert report.padded_s > 0 and mixed.shape[0] == int(round((report.padded_s + 0.5) * rate))


def test_ducking_lowers_the_content_under_the_notice() -> None:
    rate = 16000
    content = np.full(rate * 3, 0.2, dtype=np.float32)
    clip = np.zeros(rate // 2, dtype=np.float32)
    mixed, _ = mix_notice(content, rate, clip, duck_db=-10.0)
    assert mixed[int(0.3 * rate)] == pytest.approx(0.2 * 10 ** (-0.5), rel=1e-3)
    assert mixed[int(2.5 * rate)] == pytest.approx(0.2)


def test_a_spoken_notice_file_is_decoded_resampled_and_mixed() -> None:
    notice_rate = 22050
    t = np.arange(notice_rate) / notice_rate
    voice = (0.5 * np.sin(2 * np.pi * 180 * t) * np.sin(2 * np.pi * 3 * t) ** 2).astype(np.float32)
    decoded = decode_audio(encode_audio(voice[:, None], notice_rate, "mp3"))
    clip = spoken_notice_clip(decoded.samples, decoded.sample_rate, 48000, level_dbfs=-3.0)
    assert clip.ndim == 1 and abs(clip.size - 48000) < 48000 * 0.05
    assert np.max(np.abs(clip)) == pytest.approx(10 ** (-3 / 20), rel=1e-3)
    content = np.zeros((48000 * 3, 2), dtype=np.float32)
    mixed, report = mix_notice(content, 48000, clip, (NoticePosition.END,))
    assert report.starts_s[0] > 1.5 and np.max(np.abs(mixed[: 48000])) == 0.0
    with pytest.raises(ValueError):
        spoken_notice_clip(np.zeros(100, np.float32), 16000, 16000)
