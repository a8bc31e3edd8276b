"""Deterministic speech-like and music-like test audio (numpy only), for the audio benches and tests."""

from __future__ import annotations

import numpy as np

_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


def _midi_hz(note: float) -> float:
    return 440.0 * 2.0 ** ((note - 69) / 12.0)


def _envelope(count: int, sr: int, attack: float, release: float, decay: float) -> np.ndarray:
    t = np.arange(count) / sr
    env = np.exp(-t * decay)
    a, r = max(1, int(attack * sr)), max(1, int(release * sr))
    env[: min(a, count)] *= np.linspace(0.0, 1.0, min(a, count))
    env[-min(r, count) :] *= np.linspace(1.0, 0.0, min(r, count))
    return env


def _tone(freq: float, count: int, sr: int, rolloff: float, partials: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(count) / sr
    out = np.zeros(count)
    for k in range(1, partials + 1):
        if k * freq >= sr / 2 - 200:
            break
        out += k**-rolloff * np.sin(2 * np.pi * k * freq * t + rng.uniform(0, 2 * np.pi))
    return out


def music_like(seed: int, duration_s: float = 20.0, sr: int = 16000) -> np.ndarray:
    """A mono float32 melody with bass, pads and drums: random tempo, key, timbre and articulation.

    Timbres range from nearly pure sines (flute-like) to bright ones; melodies repeat pitches and play
    staccato often, the cases closest to a beep rhythm.
    """
    rng = np.random.default_rng(seed)
    n = int(duration_s * sr)
    out = np.zeros(n)
    beat = rng.uniform(0.2, 0.7)
    root = int(rng.integers(55, 79))
    scale = _MAJOR if rng.random() < 0.5 else _MINOR
    rolloff = rng.uniform(0.7, 4.0)
    partials = int(rng.integers(1, 10))
    staccato = rng.uniform(0.35, 1.0)
    degree, t = 0, 0.0
    while t < duration_s:
        length = beat * rng.choice([0.25, 0.5, 1.0, 1.0, 1.5, 2.0, 3.0])
        if rng.random() < 0.15:
            t += length  # a rest
            continue
        if rng.random() > 0.35:  # otherwise repeat the pitch
            degree = int(np.clip(degree + rng.integers(-3, 4), -7, 14))
        note = root + 12 * (degree // 7) + scale[degree % 7]
        count = int(length * staccato * sr)
        start = int(t * sr)
        if count > 8 and start < n:
            count = min(count, n - start)
            env = _envelope(count, sr, rng.uniform(0.002, 0.04), 0.02, rng.uniform(0.0, 6.0))
            vibrato = 1.0 + 0.004 * rng.random()
            out[start : start + count] += 0.5 * env * _tone(_midi_hz(note) * vibrato, count, sr, rolloff, partials, rng)
        t += length
    for bar in np.arange(0.0, duration_s, 4 * beat):  # bass and pad per bar
        start, count = int(bar * sr), min(int(4 * beat * sr), n - int(bar * sr))
        if count <= 8:
            continue
        bass = root - 24 + scale[int(rng.integers(0, 7))]
        out[start : start + count] += 0.3 * _envelope(count, sr, 0.01, 0.05, 1.0) * _tone(
            _midi_hz(bass), count, sr, 1.5, 6, rng
        )
        if rng.random() < 0.6:
            for offset in (0, 4, 7):
                out[start : start + count] += 0.08 * _envelope(count, sr, 0.2, 0.2, 0.0) * _tone(
                    _midi_hz(root - 12 + offset), count, sr, 2.0, 4, rng
                )
    if rng.random() < 0.8:  # drums
        for hit in np.arange(0.0, duration_s, beat / 2):
            start = int(hit * sr)
            count = min(int(0.15 * sr), n - start)
            if count <= 8 or rng.random() < 0.3:
                continue
            tt = np.arange(count) / sr
            if rng.random() < 0.5:
                sweep = 2 * np.pi * (50 + 100 * np.exp(-tt * 40)) * tt
                out[start : start + count] += 0.6 * np.exp(-tt * 30) * np.sin(sweep)
            else:
                noise = rng.standard_normal(count)
                out[start : start + count] += 0.15 * np.exp(-tt * rng.uniform(20, 60)) * np.diff(noise, prepend=0.0)
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * rng.uniform(0.3, 0.9)).astype(np.float32)


def speech_like(seed: int, duration_s: float = 20.0, sr: int = 16000) -> np.ndarray:
    """A mono float32 babble of syllables: voiced harmonics under formant envelopes with moving pitch,
    fricative noise bursts and pauses, at a random speaker pitch and rate."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * sr)
    out = np.zeros(n)
    f0_base = rng.uniform(85.0, 250.0)
    rate = rng.uniform(0.7, 1.3)
    position = 0
    while position < n:
        if rng.random() < 0.15:
            position += int(rng.uniform(0.1, 0.6) * sr)
            continue
        count = min(int(rng.uniform(0.08, 0.35) / rate * sr), n - position)
        if count <= 16:
            break
        t = np.arange(count) / sr
        if rng.random() < 0.8:
            drift = rng.uniform(-0.25, 0.25)
            f0 = f0_base * (1.0 + drift * t / t[-1] + 0.02 * np.sin(2 * np.pi * rng.uniform(3, 7) * t))
            phase = 2 * np.pi * np.cumsum(f0) / sr
            formants = (rng.uniform(300, 900), rng.uniform(900, 2500), rng.uniform(2400, 3400))
            widths = (rng.uniform(60, 150), rng.uniform(80, 200), rng.uniform(100, 250))
            voiced = np.zeros(count)
            for k in range(1, int(3800 / f0.max()) + 1):
                freq = k * f0.mean()
                gain = sum(np.exp(-0.5 * ((freq - f) / w) ** 2) for f, w in zip(formants, widths, strict=True))
                voiced += (gain + 0.02) / k**0.5 * np.sin(k * phase)
            segment = voiced * _envelope(count, sr, 0.02, 0.03, 0.0)
        else:
            noise = np.diff(rng.standard_normal(count + 1))
            segment = 0.3 * noise * _envelope(count, sr, 0.01, 0.02, 0.0)
        out[position : position + count] += segment
        position += count
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * rng.uniform(0.3, 0.9)).astype(np.float32)


def mix_under(foreground: np.ndarray, background: np.ndarray, relative_db: float) -> np.ndarray:
    """``foreground`` plus ``background`` scaled to ``relative_db`` below it (RMS over the foreground's active part)."""
    fg = np.asarray(foreground, dtype=np.float64)
    bg = np.resize(np.asarray(background, dtype=np.float64), fg.shape)
    active = np.abs(fg) > 1e-4
    fg_rms = np.sqrt(np.mean(fg[active] ** 2)) if active.any() else 1.0
    bg_rms = np.sqrt(np.mean(bg**2)) or 1.0
    return (fg + bg * fg_rms / bg_rms * 10.0 ** (relative_db / 20.0)).astype(np.float32)
