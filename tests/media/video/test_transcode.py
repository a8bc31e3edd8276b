"""Transcoding with a frame edit: codec family, timing, rotation, colour and other streams kept; no partial output."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from clearmark.core.errors import InvalidMedia
from clearmark.media.video import FramePlanes, probe_video, transcode
from tests.media.video.clips import ClipSpec, faststart, make_clip


def _brand_corner(time_s: float, planes: FramePlanes) -> None:
    planes.y[:32, :32] = 235 if time_s < 0.5 else 16


def _packets(path: Path, kind: str) -> list[tuple[int | None, bytes]]:
    with av.open(str(path)) as container:
        stream = getattr(container.streams, kind)[0]
        return [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]


def _frames(path: Path) -> list[tuple[float, np.ndarray]]:
    with av.open(str(path)) as container:
        return [(float(f.time), f.to_ndarray(format="gray")) for f in container.decode(video=0)]


CASES = [
    ("h264.mp4", ClipSpec(), "libx264", "mp4"),
    ("hevc.mp4", ClipSpec(codec="libx265", audio=None), "libx265", "mp4"),
    ("vp9.webm", ClipSpec(codec="libvpx-vp9", muxer="webm", audio="libopus"), "libvpx-vp9", "webm"),
    ("fragmented.mp4", ClipSpec(fragmented=True), "libx264", "mp4"),
]


@pytest.mark.parametrize(("name", "spec", "encoder", "muxer"), CASES, ids=[c[0] for c in CASES])
def test_transcode_keeps_family_timing_and_copies_audio(
    tmp_path: Path, name: str, spec: ClipSpec, encoder: str, muxer: str
) -> None:
    source = make_clip(tmp_path / name, spec)
    out = tmp_path / f"out-{name}"
    result = transcode(source, out, _brand_corner)
    assert (result.encoder, result.muxer, result.frames) == (encoder, muxer, 25)
    before, after = probe_video(source), probe_video(out)
    assert after.codec == before.codec
    assert (after.width, after.height, after.pix_fmt) == (before.width, before.height, before.pix_fmt)
    assert after.frame_rate == before.frame_rate
    decoded = _frames(out)
    assert [t for t, _ in decoded] == pytest.approx([t for t, _ in _frames(source)], abs=1e-3)
    assert decoded[0][1][:32, :32].mean() > 200 and decoded[-1][1][:32, :32].mean() < 50
    if spec.audio:
        assert [p for _, p in _packets(out, "audio")] == [p for _, p in _packets(source, "audio")]


def test_variable_frame_rate_timestamps_survive(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "vfr.mp4", ClipSpec(variable_rate=True, audio=None))
    out = tmp_path / "out.mp4"
    transcode(source, out, _brand_corner)
    times = [t for t, _ in _frames(out)]
    gaps = {round(b - a, 3) for a, b in zip(times, times[1:], strict=False)}
    assert gaps == {0.02, 0.06}
    assert times == pytest.approx([t for t, _ in _frames(source)], abs=1e-3)


def test_rotation_sar_and_colour_are_kept(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "phone.mp4", ClipSpec(rotation=-90, sar=Fraction(4, 3)))
    out = tmp_path / "out.mp4"
    transcode(source, out, _brand_corner)
    before, after = probe_video(source), probe_video(out)
    assert after.rotation == before.rotation == 270
    assert after.sample_aspect_ratio == Fraction(4, 3)
    assert (after.display_width, after.display_height) == (before.display_width, before.display_height)
    assert (after.color_range, after.colorspace, after.color_primaries, after.color_trc) == (
        before.color_range,
        before.colorspace,
        before.color_primaries,
        before.color_trc,
    )


def test_full_range_colour_tags_are_kept(tmp_path: Path) -> None:
    source = tmp_path / "bt709.mp4"
    with av.open(str(source), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        context = stream.codec_context
        context.color_range, context.colorspace, context.color_primaries, context.color_trc = 2, 1, 1, 1
        for index in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((240, 320, 3), 40 * index, np.uint8), format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame.reformat(format="yuv420p")))
        container.mux(stream.encode(None))
    out = tmp_path / "out.mp4"
    transcode(source, out, _brand_corner)
    info = probe_video(out)
    assert (info.color_range, info.colorspace, info.color_primaries, info.color_trc) == (2, 1, 1, 1)


def test_output_decodes_without_errors(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", ClipSpec())
    out = tmp_path / "out.mp4"
    transcode(source, out, _brand_corner)
    with av.open(str(out)) as container:
        assert all(not f.is_corrupt for f in container.decode(video=0))


def test_truncated_input_leaves_no_output(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", ClipSpec())
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(source.read_bytes()[:-4000])
    out = tmp_path / "out.mp4"
    with pytest.raises(InvalidMedia):
        transcode(cut, out, _brand_corner)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "cut.mp4"]


def test_an_edit_that_fails_leaves_no_output(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", ClipSpec(audio=None))

    def fail(time_s: float, planes: FramePlanes) -> None:
        if time_s > 0.5:
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        transcode(source, tmp_path / "out.mp4", fail)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_edits_run_in_presentation_order_and_each_lands_in_its_own_frame(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "clip.mp4", ClipSpec(audio=None))
    calls: list[float] = []

    def stamp_index(time_s: float, planes: FramePlanes) -> None:
        calls.append(time_s)
        planes.y[:64, :64] = 16 + 20 * (len(calls) % 10)

    out = tmp_path / "out.mp4"
    transcode(source, out, stamp_index)
    assert calls == sorted(calls) and len(set(calls)) == len(calls)
    levels = [int(np.median(luma[8:56, 8:56])) for _, luma in _frames(out)]
    assert len(levels) == len(calls)
    written = [16 + 20 * (n % 10) for n in range(1, len(levels) + 1)]  # limited range, read back full
    assert all(abs(level - (y - 16) * 255 / 219) <= 4 for level, y in zip(levels, written, strict=True))


@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_clip_cut_in_its_frames_is_invalid_with_no_output(tmp_path: Path, keep: float) -> None:
    source = faststart(make_clip(tmp_path / "clip.mp4", ClipSpec(seconds=2)), tmp_path / "fast.mp4")
    data = source.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(InvalidMedia):
        transcode(cut, tmp_path / "out.mp4", _brand_corner)
    assert not (tmp_path / "out.mp4").exists()
