"""Audio benches: rhythm false positives and detection, watermark attacks, and Stamp-like timing against PyAV."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from bench.audio.attacks import ATTACKS
from bench.audio.signals import mix_under, music_like, speech_like
from bench.harness import measure, report
from clearmark.core.aigc import AigcLabel
from clearmark.media.audio import decode_audio, encode_audio, write_audio_label
from clearmark.notice.audio_rhythm import NoticePosition, RhythmStyle, mix_rhythm, render_rhythm
from clearmark.notice.audio_rhythm_detect import detect_rhythm
from clearmark.watermark.audio import channel_bit_accuracy, decode_audio_watermark, embed_audio_watermark
from clearmark.watermark.payload import payload_for_produce_id

KEY = bytes(range(32))
PAYLOAD = payload_for_produce_id("CM-BENCH-AUDIO")
PRODUCER = "001191440300708461136T1XGW3"
LABEL = AigcLabel("1", PRODUCER, "CM-BENCH-AUDIO", "", PRODUCER, "CM-BENCH-AUDIO", "")
RATE = 44100


def _stereo_host(kind: str, seed: int, seconds: float = 60.0, rate: int = RATE) -> np.ndarray:
    if kind == "speech":
        left = speech_like(seed, seconds, rate)
        right = left
    elif kind == "music":
        left, right = music_like(seed, seconds, rate), music_like(seed + 1, seconds, rate)
    else:  # speech over music
        speech = speech_like(seed, seconds, rate)
        left = right = mix_under(speech, music_like(seed, seconds, rate), -10.0)
    return np.stack([left, right], axis=1).astype(np.float32)


def rhythm_false_positives(
    signals: int = 1000, seconds: float = 20.0, rate: int = 16000, first_seed: int = 100_000
) -> str:
    """Run the detector over ``signals`` generated signals without the rhythm; every hit is a false positive."""
    kinds = {
        "speech-like": lambda seed: speech_like(seed, seconds, rate),
        "music-like": lambda seed: music_like(seed, seconds, rate),
        "speech over music (-10 dB)": lambda seed: mix_under(
            speech_like(seed, seconds, rate), music_like(seed + 7, seconds, rate), -10.0
        ),
    }
    shares = {"speech-like": 0.4, "music-like": 0.4, "speech over music (-10 dB)": 0.2}
    lines = [
        f"### Rhythm detector false positives: {signals} generated signals of {seconds:.0f} s at {rate} Hz",
        "",
        "| signals | count | audio (h) | false positives | rate |",
        "|---|---:|---:|---:|---:|",
    ]
    started = time.perf_counter()
    total_hits = 0
    for kind, make in kinds.items():
        count = int(round(signals * shares[kind]))
        hits = sum(bool(detect_rhythm(make(first_seed + seed), rate)) for seed in range(count))
        total_hits += hits
        lines.append(f"| {kind} | {count} | {count * seconds / 3600:.2f} | {hits} | {hits / count:.4f} |")
    hours = signals * seconds / 3600
    lines.append(f"| **all** | {signals} | {hours:.2f} | {total_hits} | {total_hits / signals:.4f} |")
    lines += ["", f"({time.perf_counter() - started:.0f} s wall, generation included; seeds {first_seed}+)", ""]
    return "\n".join(lines)


RHYTHM_STYLES = {
    "120 ms / 1 kHz (default)": RhythmStyle(),
    "60 ms / 420 Hz": RhythmStyle(unit_ms=60, frequency_hz=420),
    "250 ms / 2.9 kHz": RhythmStyle(unit_ms=250, frequency_hz=2900),
    "120 ms / 800 Hz, gap 3 (gtkit-like)": RhythmStyle(frequency_hz=800, letter_gap_units=3),
}
RHYTHM_ATTACKS = ("none", "mp3_128k", "aac_128k", "opus_64k", "gain_-12db")


def rhythm_detection(seeds: int = 4, rate: int = 16000) -> str:
    """Detection rate of the rhythm under music or speech at -10 dB and -6 dB, after each attack."""
    lines = [
        "### Rhythm detection rate (content underneath at -10 / -6 dB below the rhythm)",
        "",
        "| style | background | " + " | ".join(RHYTHM_ATTACKS) + " |",
        "|---|---|" + "---:|" * len(RHYTHM_ATTACKS),
    ]
    for style_name, style in RHYTHM_STYLES.items():
        clip = render_rhythm(rate, style)
        for background, make in (("music", music_like), ("speech", speech_like)):
            for relative in (-10.0, -6.0):
                cells = []
                for attack in RHYTHM_ATTACKS:
                    found = 0
                    for seed in range(seeds):
                        track = np.zeros(int(12 * rate), np.float32)
                        start = int((3.0 + seed * 0.37) * rate)
                        track[start : start + clip.size] = clip
                        mixed = mix_under(track, make(500 + seed, 12.0, rate), relative)
                        attacked, attacked_rate = ATTACKS[attack](mixed[:, None], rate)
                        hits = detect_rhythm(attacked, attacked_rate)
                        found += len(hits) == 1 and abs(hits[0].start_s - start / rate) < 0.1
                    cells.append(f"{found}/{seeds}")
                lines.append(f"| {style_name} | {background} {relative:+.0f} dB | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


WATERMARK_ATTACKS = (
    "none",
    "mp3_128k",
    "aac_128k",
    "opus_64k",
    "resample_16k",
    "noise_20db",
    "trim_start_10pct",
    "trim_end_10pct",
    "gain_-12db",
    "mp3_128k+trim_start",
)
HOSTS = (("speech", 1), ("speech", 2), ("music", 3), ("music", 5), ("speech+music", 4))


def watermark_attacks() -> str:
    """Bit accuracy (of 188 channel bits) and payload recovery after each attack, on 60 s 44.1 kHz stereo."""
    header = "| host | SNR dB | embed s | " + " | ".join(WATERMARK_ATTACKS) + " |"
    lines = [
        "### Audio watermark: channel-bit accuracy / payload decoded, 60 s 44.1 kHz stereo, default strength",
        "",
        header,
        "|---|---:|---:|" + "---:|" * len(WATERMARK_ATTACKS),
    ]
    decoded_total = {attack: 0 for attack in WATERMARK_ATTACKS}
    for kind, seed in HOSTS:
        host = _stereo_host(kind, seed)
        started = time.perf_counter()
        marked = embed_audio_watermark(host, RATE, PAYLOAD, KEY)
        embed_s = time.perf_counter() - started
        difference = (marked - host).astype(np.float64)
        snr = 10 * np.log10(np.sum(host.astype(np.float64) ** 2) / np.sum(difference**2))
        cells = []
        for attack in WATERMARK_ATTACKS:
            attacked, rate = ATTACKS[attack](marked, RATE)
            accuracy = channel_bit_accuracy(attacked, rate, PAYLOAD, KEY)
            reading = decode_audio_watermark(attacked, rate, KEY)
            ok = reading is not None and reading.payload == PAYLOAD
            decoded_total[attack] += ok
            cells.append(f"{accuracy:.3f} {'✓' if ok else '✗'}")
        lines.append(f"| {kind} #{seed} | {snr:.1f} | {embed_s:.1f} | " + " | ".join(cells) + " |")
        unmarked = decode_audio_watermark(host, RATE, KEY)
        assert unmarked is None, "false reading on an unmarked host"
    lines.append(
        "| **decoded** | | | " + " | ".join(f"{decoded_total[a]}/{len(HOSTS)}" for a in WATERMARK_ATTACKS) + " |"
    )
    return "\n".join(lines) + "\n"


def _stamp(source: Path, output: Path, fmt: str) -> None:
    """What Stamp will do to an audio file: decode, rhythm at the start, watermark, encode, metadata label."""
    decoded = decode_audio(source)
    mixed, _ = mix_rhythm(decoded.samples, decoded.sample_rate, positions=(NoticePosition.START,))
    marked = embed_audio_watermark(mixed, decoded.sample_rate, PAYLOAD, KEY)
    encoded = output.with_suffix(".tmp." + fmt)
    encode_audio(marked, decoded.sample_rate, fmt, output=encoded)
    write_audio_label(encoded, LABEL, output=output)
    encoded.unlink()


def _transcode(source: Path, output: Path, fmt: str) -> None:
    decoded = decode_audio(source)
    encode_audio(decoded.samples, decoded.sample_rate, fmt, output=output)


def stamp_timing(repeats: int) -> str:
    """Mark + rhythm + label of a 60 s 44.1 kHz stereo WAV and MP3 against a plain PyAV decode + encode."""
    host = _stereo_host("speech+music", 9)
    out: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for fmt in ("wav", "mp3"):
            source = base / f"in.{fmt}"
            encode_audio(host, RATE, fmt, output=source)
            cases = {
                f"stamp {fmt} (rhythm + watermark + label)": lambda s=source, f=fmt: _stamp(s, base / f"o.{f}", f),
                f"pyav decode + encode {fmt}": lambda s=source, f=fmt: _transcode(s, base / f"r.{f}", f),
            }
            timings = measure(cases, repeats=repeats, warmup=1)
            names = list(cases)
            title = f"Audio Stamp building blocks, 60 s 44.1 kHz stereo {fmt.upper()}"
            out.append(report(title, timings, [(names[0], names[1])]))
    return "\n".join(out)


def detection_timing(repeats: int) -> str:
    """Rhythm detection and watermark detection per minute of audio, against a PyAV decode of the same minute."""
    host = _stereo_host("speech+music", 11)
    mixed, _ = mix_rhythm(host, RATE, positions=(NoticePosition.START, NoticePosition.MIDDLE, NoticePosition.END))
    marked = embed_audio_watermark(mixed, RATE, PAYLOAD, KEY)
    mp3 = encode_audio(marked, RATE, "mp3") or b""
    decoded = decode_audio(mp3)
    assert len(detect_rhythm(decoded.samples, decoded.sample_rate)) == 3
    assert decode_audio_watermark(decoded.samples, decoded.sample_rate, KEY) is not None
    cases = {
        "pyav decode of 1 min MP3": lambda: decode_audio(mp3),
        "rhythm detection, 1 min 44.1 kHz stereo": lambda: detect_rhythm(decoded.samples, decoded.sample_rate),
        "watermark detection, 1 min 44.1 kHz stereo": lambda: decode_audio_watermark(
            decoded.samples, decoded.sample_rate, KEY
        ),
    }
    names = list(cases)
    return report(
        "Audio detection per minute of audio (decoded PCM in, after an MP3 round trip)",
        measure(cases, repeats=repeats, warmup=1),
        [(names[1], names[0]), (names[2], names[0])],
    )


def run(repeats: int = 5, fp_signals: int = 1000) -> str:
    """Every audio bench, as Markdown."""
    return "\n".join(
        [
            detection_timing(repeats),
            stamp_timing(repeats),
            watermark_attacks(),
            rhythm_detection(),
            rhythm_false_positives(fp_signals),
        ]
    )
