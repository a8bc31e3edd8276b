"""Audio verbs: Stamp of a 60 s 44.1 kHz stereo WAV and MP3 and Inspect per minute, against PyAV decode (+ encode).

Stamp is the pipeline a default server runs (rhythm, watermark with its read-back, re-encoding like
the source, the container's label, C2PA for WAV and MP3); the reference is a plain PyAV decode and
encode of the same file to the same format. Rhythm detection is the detector on the file (streamed
decode included), against a PyAV decode of the same minute. The attack, detection-rate and
false-positive tables of the building blocks are ``python -m bench.audio``.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np

from bench.audio.signals import mix_under, music_like, speech_like
from bench.harness import measure, report
from clearmark.detectors.audio_rhythm import AudioRhythmDetector
from clearmark.media import DEFAULT_LIMITS, open_asset
from clearmark.media.audio import decode_audio, encode_audio
from clearmark.media.source import Source
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_dev_signing_material, ensure_watermark_key
from clearmark.service.pipelines import StampJob, inspect_content, stamp_content

PRODUCER = "001191440300708461136T1XGW3"
RATE = 44100


def host(seconds: float = 60.0) -> np.ndarray:
    """Speech over music (-10 dB), stereo, deterministic."""
    mono = mix_under(speech_like(9, seconds, RATE), music_like(9, seconds, RATE), -10.0)
    mono = 0.5 * mono / float(np.max(np.abs(mono)))
    return np.stack([mono, np.roll(mono, 441)], axis=1).astype(np.float32)


def run(repeats: int) -> str:
    """Time the cases and return the Markdown report."""
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-audio-") as folder:
        return _run(max(1, repeats // 3), Path(folder))


def _transcode(source: bytes, fmt: str, output: Path) -> None:
    decoded = decode_audio(source)
    encode_audio(decoded.samples, decoded.sample_rate, fmt, output=output)


def _run(repeats: int, base: Path) -> str:
    logging.getLogger("clearmark.service.keys").setLevel(logging.ERROR)  # dev-key warnings are expected
    config = pipeline_config(Settings(data_dir=base), ensure_dev_signing_material(base), ensure_watermark_key(base))
    pcm = host()
    out: list[str] = []
    for fmt in ("wav", "mp3"):
        source = encode_audio(pcm, RATE, fmt) or b""
        job = StampJob(request_id="bench", tenant="bench", content=source, producer_code=PRODUCER)
        stamped = stamp_content(job, config)
        assert {"EXPLICIT_NOTICE", "WATERMARK", "C2PA_MANIFEST"} <= {a.name for a in stamped.labels_applied}
        content = stamped.content if isinstance(stamped.content, bytes) else stamped.content.read_bytes(1 << 30)
        inspected = inspect_content(content, config)
        assert {"explicit.audio_rhythm", "watermark.clearmark", "aigc.metadata_label"} <= {
            s.kind for s in inspected.signals
        }
        cases = {
            f"stamp {fmt} (rhythm + watermark + label + C2PA)": lambda job=job: stamp_content(job, config),
            f"pyav decode + encode {fmt}": lambda s=source, f=fmt: _transcode(s, f, base / f"plain.{f}"),
            f"inspect {fmt} (every detector)": lambda c=content: inspect_content(c, config),
            f"pyav decode {fmt}": lambda s=source: decode_audio(s),
        }
        names = list(cases)
        timings = measure(cases, repeats=repeats, warmup=1)
        title = f"Audio verbs, 60 s 44.1 kHz stereo {fmt.upper()} (speech over music)"
        out.append(report(title, timings, [(names[0], names[1]), (names[2], names[3])]))
    path = base / "rhythm.mp3"
    path.write_bytes(encode_audio(pcm, RATE, "mp3") or b"")
    asset = open_asset(Source(path=path), DEFAULT_LIMITS)
    detector = AudioRhythmDetector()
    cases = {
        "rhythm detector, 1 min MP3 file (decode included)": lambda: detector.detect(asset),
        "pyav decode of the same 1 min MP3": lambda: decode_audio(path),
    }
    names = list(cases)
    out.append(
        report("Rhythm detection per minute of audio", measure(cases, repeats=repeats, warmup=1), [tuple(names)])
    )
    return "\n".join(out)
