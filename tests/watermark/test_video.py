"""The video watermark: every frame marked, read by majority after H.264 at a third of the rate, 720p, a 10 % crop."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from bench.watermark.attacks import video_reencode
from tests.media.video.clips import ClipSpec, make_clip, scene

from clearmark.labels.video_writer import FramePlan, stamp_frames
from clearmark.media.limits import MediaLimits
from clearmark.media.video import probe_video, sample_frames
from clearmark.watermark import Verdict
from clearmark.watermark.image import decode_luma
from clearmark.watermark.video import FrameMarker, read_video_watermark

KEY = b"video-watermark-test-key"
PAYLOAD = bytes.fromhex("0123456789abcdef")


@pytest.fixture(scope="module")
def marked_1080p(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("marked")
    source = make_clip(
        folder / "in.mp4", ClipSpec(width=1920, height=1080, seconds=0.4, audio=None, bit_rate=6_000_000)
    )
    out = folder / "marked.mp4"
    stamp_frames(source, out, FramePlan(payload=PAYLOAD, key=KEY), MediaLimits())
    return out


def _read(path: Path):
    _, frames = sample_frames(path)
    return read_video_watermark(((f.time_s, f.luma) for f in frames), KEY)


def test_every_sampled_frame_of_the_stamp_carries_the_payload(marked_1080p: Path) -> None:
    _, frames = sample_frames(marked_1080p)
    reading = read_video_watermark(((f.time_s, f.luma) for f in frames), KEY, enough_votes=len(frames))
    assert reading is not None and reading.payload == PAYLOAD
    assert reading.votes == reading.frames_read == len(frames)
    assert reading.content_bound


@pytest.mark.parametrize(
    ("name", "attack"),
    [
        ("h264-third-bitrate", {"bit_rate": 1}),
        ("resize-720p", {"bit_rate": 3, "size": (1280, 720)}),
        ("crop-10-percent", {"bit_rate": 3, "crop": 0.9}),
    ],
)
def test_mark_survives(marked_1080p: Path, tmp_path: Path, name: str, attack: dict) -> None:
    rate = probe_video(marked_1080p).bit_rate
    attack = dict(attack, bit_rate=rate * attack["bit_rate"] // 3)
    reading = _read(video_reencode(marked_1080p, tmp_path / f"{name}.mp4", **attack))
    assert reading is not None and reading.payload == PAYLOAD
    assert reading.votes >= 2 and reading.other_payloads == 0
    # The clip drifts 2 px a frame and its texture is uniform: the mark follows the moving content,
    # so it is bound to the clip without any registry record (frames' figures averaged).
    assert reading.content_bound and reading.binding_verdict is Verdict.BOUND


def test_unmarked_video_and_wrong_key_read_nothing(tmp_path: Path, marked_1080p: Path) -> None:
    plain = make_clip(tmp_path / "plain.mp4", ClipSpec(width=640, height=360, seconds=0.4, audio=None))
    assert _read(plain) is None
    _, frames = sample_frames(marked_1080p)
    assert read_video_watermark(((f.time_s, f.luma) for f in frames), b"another-key") is None


def test_one_frame_does_not_outvote_the_others() -> None:
    luma = scene(320, 256, 0).mean(axis=2).astype(np.uint8)
    marked = luma.copy()
    FrameMarker(PAYLOAD, KEY).mark(marked)
    frames = [(0.0, marked), (0.5, luma), (1.0, luma)]
    assert read_video_watermark(frames, KEY) is None  # one vote of three: not a majority mark
    assert read_video_watermark(frames[:1], KEY).payload == PAYLOAD  # a single frame is all there is


def test_marker_refits_on_a_scene_change_and_keeps_limited_range() -> None:
    marker = FrameMarker(PAYLOAD, KEY, refresh_frames=100)
    first = scene(320, 256, 0, seed=1).mean(axis=2).astype(np.uint8)
    cut = 255 - first
    marker.mark(first.copy())
    step = marker._step.copy()
    marker.mark(first.copy())
    assert np.array_equal(marker._step, step)  # reused within the scene
    frame = cut.copy()
    marker.mark(frame)
    assert not np.array_equal(marker._step, step)  # re-fitted after the cut
    assert frame.min() >= 16 and frame.max() <= 235
    assert not FrameMarker.fits(320, 240)


def _pan(frames: int, width: int = 640, height: int = 360) -> list[np.ndarray]:
    """Luma planes of a picture panning 2 px a frame up and left (``scene``'s drift)."""
    return [cv2.cvtColor(scene(width, height, index), cv2.COLOR_RGB2GRAY) for index in range(frames)]


def _steps(marker: FrameMarker, planes: list[np.ndarray]) -> list[np.ndarray]:
    steps = []
    for plane in planes:
        marked = plane.copy()
        marker.mark(marked)
        steps.append(marked.astype(np.int16) - plane)
    return steps


def test_mark_moves_with_a_pan_and_each_frame_reads() -> None:
    planes = _pan(6)
    steps = _steps(FrameMarker(PAYLOAD, KEY, refresh_frames=100), planes)
    for index, step in enumerate(steps[1:], start=1):
        moved = 2 * index  # the content moved this many pixels up and left: so did the mark
        assert np.array_equal(step[: -moved - 8, : -moved - 8], steps[0][moved:-8, moved:-8])
        assert decode_luma(planes[index].astype(np.float32) + step, KEY).payload == PAYLOAD
    fixed = _steps(FrameMarker(PAYLOAD, KEY, refresh_frames=100, follow_motion=False), planes)
    assert all(np.array_equal(step, fixed[0]) for step in fixed[1:])  # the old behaviour: fixed to the grid
    assert decode_luma(planes[5].astype(np.float32) + fixed[5], KEY).payload == PAYLOAD  # and it still reads


def test_refit_during_a_pan_keeps_the_lattice_where_the_motion_carried_it() -> None:
    planes = _pan(6)
    steps = _steps(FrameMarker(PAYLOAD, KEY, refresh_frames=4), planes)
    refitted, before = steps[4].astype(np.float64), steps[3].astype(np.float64)
    # Frame 4 is a new fit: its mark lies where frame 3's mark, moved 2 px more, would be.
    moved = np.corrcoef(refitted[:-40, :-40].ravel(), before[2:-38, 2:-38].ravel())[0, 1]
    unmoved = np.corrcoef(refitted[:-40, :-40].ravel(), before[:-40, :-40].ravel())[0, 1]
    assert moved > 0.8 and moved > unmoved + 0.3
    assert decode_luma(planes[4].astype(np.float32) + steps[4], KEY).payload == PAYLOAD


def test_marker_tracks_an_uneven_1080p_pan_to_the_pixel() -> None:
    # 3 px a frame down the rows and 1.5 on average across (1, 2, 1, 2...): the shrunk planes alone
    # read the columns in 4 px steps; the full-resolution refinement gets every frame right.
    rng = np.random.default_rng(3)
    base = cv2.resize(rng.integers(0, 256, (80, 140), dtype=np.uint8), (1920 + 64, 1080 + 64))
    marker = FrameMarker(PAYLOAD, KEY)
    for index in range(8):
        rows, cols = 3 * index, 3 * index // 2
        marker.mark(base[rows : rows + 1080, cols : cols + 1920].copy())
        position = (marker._origin[0] + marker._offset[0], marker._origin[1] + marker._offset[1])
        assert position == (-rows, -cols)
    assert marker._count == 8  # one fit carried the pan: a moving picture is not a scene change
