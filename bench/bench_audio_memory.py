"""Peak memory of audio Stamp: 1, 10 and 30 minutes of 44.1 kHz stereo 16-bit WAV, each Stamp in its own process.

Each case runs ``stamp_content`` (rhythm, watermark with its read-back, re-encode, label; C2PA off so
the number is the audio path's) in a fresh child process and reports the child's peak RSS
(``resource.getrusage(RUSAGE_CHILDREN)``) beside the RSS of a child that only imports the same
modules, and the PCM the file decodes to (4 bytes × frames × channels). The file limits are raised
for the run so the 10 and 30 minute files reach the audio path (a default server refuses them by
``max_media_bytes`` first). ``python -m bench.bench_audio_memory [MINUTES ...]``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 44100
MINUTES = (1, 10, 30)
_CHILD = """
import dataclasses, logging, sys
from pathlib import Path
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source
from clearmark.service.app import pipeline_config
from clearmark.service.config import Settings
from clearmark.service.keys import ensure_watermark_key
from clearmark.service.pipelines import StampJob, stamp_content
logging.disable(logging.WARNING)
base = Path(sys.argv[1])
config = pipeline_config(Settings(data_dir=base), None, ensure_watermark_key(base))
config = dataclasses.replace(config, limits=MediaLimits(max_bytes=1 << 31, max_stream_bytes=1 << 31))
if sys.argv[2] != "-":
    job = StampJob(request_id="m", tenant="m", content=Source(path=Path(sys.argv[2])),
                   producer_code="001191440300708461136T1XGW3")
    result = stamp_content(job, config)
    print(sorted(a.name for a in result.labels_applied), list(result.warnings))
"""


def write_wav(path: Path, minutes: int) -> int:
    """A deterministic speech-band noise-and-tone WAV, written a second at a time; returns its frames."""
    rng = np.random.default_rng(minutes)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        t = np.arange(RATE) / RATE
        for second in range(minutes * 60):
            tone = 0.2 * np.sin(2 * np.pi * (300 + 40 * (second % 20)) * t)
            block = tone[:, None] + 0.05 * rng.standard_normal((RATE, 2))
            out.writeframes((np.clip(block, -1, 1) * 32767).astype("<i2").tobytes())
    return minutes * 60 * RATE


def child_peak_mib(base: Path, wav: str) -> tuple[float, str]:
    """Peak RSS (MiB) of one child process running Stamp on ``wav`` ("-": imports only), and its output."""
    code = (
        "import resource, runpy, sys\n"
        f"exec(compile({_CHILD!r}, 'child', 'exec'))\n"
        "print('PEAK', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(base), wav], capture_output=True, text=True, check=True)
    peak = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("PEAK"))
    rest = "\n".join(line for line in done.stdout.splitlines() if not line.startswith("PEAK"))
    return peak / 1024.0, rest


def run(minutes: tuple[int, ...] = MINUTES) -> str:
    """Measure each case and return the Markdown table."""
    _ = resource  # the children measure themselves
    with tempfile.TemporaryDirectory(prefix="clearmark-bench-audio-mem-") as folder:
        base = Path(folder)
        idle, _ = child_peak_mib(base, "-")
        rows = [
            "| audio | PCM (float32) | peak RSS of Stamp | minus imports | / PCM | labels applied |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for count in minutes:
            path = base / f"{count}min.wav"
            frames = write_wav(path, count)
            pcm_mib = frames * 2 * 4 / 2**20
            peak, output = child_peak_mib(base, str(path))
            path.unlink()
            rows.append(
                f"| {count} min 44.1 kHz stereo WAV | {pcm_mib:.0f} MiB | {peak:.0f} MiB | {peak - idle:.0f} MiB "
                f"| {(peak - idle) / pcm_mib:.1f}x | {output.strip()} |"
            )
        rows.append(f"\nA child that only imports the modules peaks at {idle:.0f} MiB.")
        return "\n".join(rows)


if __name__ == "__main__":
    print(run(tuple(int(arg) for arg in sys.argv[1:]) or MINUTES))
