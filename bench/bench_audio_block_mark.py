"""The block-wise audio mark beside the whole-file one under the attacks: ``python -m bench.bench_audio_block_mark``.

90 s of 44.1 kHz stereo speech over music, marked by ``stamp_blocks`` (3 blocks) and by
``embed_audio_watermark`` on the whole; each is attacked (MP3 128 kbit/s, resampling to 16 kHz,
noise at 20 dB SNR, a 10 % trim) and read: decoded or not, and the channel bit accuracy.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from bench.audio.signals import music_like, speech_like
from clearmark.labels.audio_blocks import MarkPlan, stamp_blocks
from clearmark.media.audio import decode_audio, encode_audio
from clearmark.media.audio.pcm import resample
from clearmark.watermark import payload_for_produce_id
from clearmark.watermark.audio import channel_bit_accuracy, decode_audio_watermark, embed_audio_watermark

RATE = 44100
KEY = bytes(range(32))
PAYLOAD = payload_for_produce_id("CM-ROBUST")


def attacks(marked: np.ndarray, rng: np.random.Generator) -> Iterator[tuple[str, np.ndarray, int]]:
    """Each attack's name, the attacked PCM and its rate."""
    yield "none", marked, RATE
    yield "MP3 128 kbit/s", decode_audio(encode_audio(marked, RATE, "mp3") or b"").samples, RATE
    yield "resample to 16 kHz", resample(marked, RATE, 16000), 16000
    noise = rng.standard_normal(marked.shape).astype(np.float32)
    noise *= np.sqrt(np.mean(marked**2) / np.mean(noise**2) / 100.0)
    yield "noise at 20 dB SNR", marked + noise, RATE
    yield "10 % trim", marked[int(0.05 * len(marked)) : int(0.95 * len(marked))], RATE


def run() -> str:
    """The Markdown table."""
    speech = speech_like(3, 90.0, RATE)
    host = 0.5 * np.stack([speech, 0.8 * speech + 0.2 * music_like(5, 90.0, RATE)], axis=1).astype(np.float32)
    written: list[np.ndarray] = []
    chunks = [host[start : start + 65536] for start in range(0, len(host), 65536)]
    done = stamp_blocks(chunks, RATE, 2, written.append, mark=MarkPlan(PAYLOAD, KEY))
    marks = {
        f"in {done.blocks} blocks": np.concatenate(written),
        "whole file": embed_audio_watermark(host, RATE, PAYLOAD, KEY),
    }
    rows = ["| mark | attack | decoded | channel bit accuracy |", "|---|---|---|---:|"]
    for name, marked in marks.items():
        for attack, attacked, rate in attacks(marked, np.random.default_rng(1)):
            reading = decode_audio_watermark(attacked, rate, KEY)
            decoded = reading is not None and reading.payload == PAYLOAD
            accuracy = channel_bit_accuracy(attacked, rate, PAYLOAD, KEY)
            rows.append(f"| {name} | {attack} | {'yes' if decoded else 'NO'} | {accuracy:.3f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(run())
