"""Stamp's block path: audio longer than a block, block edges inside the notice, the mark across blocks."""

from __future__ import annotations

import numpy as np
import pytest
from bench.audio.signals import music_like, speech_like

from clearmark.labels.audio_blocks import MarkPlan, NoticePlan, block_frames, stamp_blocks
from clearmark.notice.audio_rhythm import NoticePosition, mix_notice, render_rhythm
from clearmark.notice.audio_rhythm_detect import detect_rhythm
from clearmark.watermark import payload_for_produce_id
from clearmark.watermark.audio import cell_frames, decode_audio_watermark, embed_audio_watermark, period_frames

RATE = 16000
KEY = bytes(range(32))
PAYLOAD = payload_for_produce_id("CM-BLOCKS")
ALL = (NoticePosition.START, NoticePosition.MIDDLE, NoticePosition.END)


def _chunks(samples: np.ndarray, size: int = 10_000) -> list[np.ndarray]:
    return [samples[start : start + size] for start in range(0, samples.shape[0], size)]


def _stamp(samples: np.ndarray, block_s: float = 4.0, **options: object) -> tuple[np.ndarray, object]:
    written: list[np.ndarray] = []
    done = stamp_blocks(_chunks(samples), RATE, samples.shape[1], written.append, block_s=block_s, **options)  # type: ignore[arg-type]
    return np.concatenate(written), done


def test_blocks_are_whole_pattern_repetitions_of_whole_cells() -> None:
    assert (cell_frames(44100), period_frames(44100)) == (7056, 903168)
    assert (cell_frames(48000), period_frames(48000)) == (1536, 196608)
    assert block_frames(44100) == 2 * 903168 and block_frames(RATE, 4.0) == 65536


def test_block_edges_inside_the_notices_mix_exactly_like_the_whole_audio() -> None:
    # 2 blocks and a bit: the middle notice straddles frame 65536, the end notice frame 131072; loud
    # content makes the mix turn the audio down around each notice, which needs the notice's whole span.
    total = 2 * 65536 + 1000
    content = (0.9 * np.sin(2 * np.pi * 220 * np.arange(total) / RATE))[:, None].astype(np.float32)
    clip = render_rhythm(RATE)
    whole, mix = mix_notice(content, RATE, clip, ALL)
    starts = [round(start * RATE) for start in mix.starts_s]
    assert starts[1] < 65536 < starts[1] + clip.size and starts[2] < 131072 < starts[2] + clip.size
    blocks, done = _stamp(content, notice=NoticePlan(clip, ALL), total_frames=total)
    assert done.blocks == 3 and mix.min_gain_db < -0.5
    assert done.min_gain_db == pytest.approx(mix.min_gain_db)
    np.testing.assert_array_equal(blocks, whole)
    quiet = (0.05 * speech_like(3, total / RATE, RATE))[:total, None].astype(np.float32)
    blocks, _ = _stamp(quiet, notice=NoticePlan(clip, ALL), total_frames=total)
    assert [round(hit.start_s * RATE, -2) for hit in detect_rhythm(blocks[:, 0], RATE)] == [
        round(start, -2) for start in starts
    ]


def test_audio_shorter_than_the_notice_is_padded_like_the_whole_mix() -> None:
    content = np.full((4000, 2), 0.1, np.float32)
    clip = render_rhythm(RATE)
    whole, mix = mix_notice(content, RATE, clip)
    blocks, done = _stamp(content, notice=NoticePlan(clip, (NoticePosition.START,)))
    np.testing.assert_array_equal(blocks, whole)
    assert mix.padded_s > 0 and done.padded_s == pytest.approx(mix.padded_s)


def test_a_mark_embedded_block_by_block_decodes_anywhere_and_matches_the_whole_embed() -> None:
    speech = speech_like(3, 20.0, RATE)
    content = np.stack([speech, 0.8 * speech + 0.2 * music_like(5, 20.0, RATE)], axis=1).astype(np.float32)
    marked, done = _stamp(content, block_s=8.0, mark=MarkPlan(PAYLOAD, KEY))  # read back from the first 8.2 s
    assert done.marked and done.blocks == 3 and marked.shape == content.shape
    for lo, hi in ((0, marked.shape[0]), (9 * RATE, 19 * RATE)):  # the whole, and a stretch across block edges
        reading = decode_audio_watermark(marked[lo:hi], RATE, KEY)
        assert reading is not None and reading.payload == PAYLOAD
    whole = embed_audio_watermark(content, RATE, PAYLOAD, KEY)
    blockwise, reference = (marked - content).ravel(), (whole - content).ravel()
    assert np.corrcoef(blockwise, reference)[0, 1] > 0.9


def test_a_mark_that_does_not_read_back_from_the_first_block_is_not_embedded() -> None:
    silence = np.zeros((10 * RATE, 1), np.float32)
    out, done = _stamp(silence, mark=MarkPlan(PAYLOAD, KEY))
    assert not done.marked and "did not read back" in done.mark_warning
    np.testing.assert_array_equal(out, silence)


def test_a_middle_or_end_notice_needs_the_frame_count() -> None:
    with pytest.raises(ValueError, match="frame count"):
        _stamp(np.zeros((100, 1), np.float32), notice=NoticePlan(render_rhythm(RATE), ALL))
