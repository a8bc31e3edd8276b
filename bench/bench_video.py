"""Video Stamp and Inspect work on a 1080p 10 s clip, against plain PyAV doing the same decoding and encoding.

Stamp's frame work (notice + mark in every frame, re-encode with the source's codec family and bit
rate, audio copied) is compared with a plain PyAV decode + re-encode at the same settings; Inspect's
frame work (sampling, ClearMark watermark majority, OCR of the start screen) with PyAV decoding the
frames Inspect samples. Run: ``PYTHONPATH=src python -m bench.run video --repeats 3``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
import cv2
import numpy as np

from bench.harness import measure, report
from clearmark.core.enums import Corner
from clearmark.detectors.ocr_notice import _build as build_ocr
from clearmark.detectors.registry import DetectorContext
from clearmark.detectors.video_notice import video_notice_signals
from clearmark.detectors.video_watermark import read_frames_watermark
from clearmark.labels.image_notice import NoticeSpec
from clearmark.labels.video_writer import FramePlan, stamp_frames
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.perceptual import image_phash
from clearmark.media.source import Source
from clearmark.media.video import probe_video, representative_frame, representative_times, sample_frames, sample_times
from clearmark.media.video.transcode import ENCODERS
from clearmark.service.pipelines import PipelineConfig, StampJob, inspect_content, stamp_content
from clearmark.service.pipelines.workers import configure_process

KEY = b"bench-video-key"
PAYLOAD = bytes.fromhex("0123456789abcdef")
PRODUCER = "001191440300708461136T1XGW3"
WIDTH, HEIGHT, FPS, SECONDS = 1920, 1080, 30, 10


def make_clip(path: Path) -> Path:
    """A textured, moving 1080p H.264 clip at 8 Mb/s with an AAC tone."""
    rng = np.random.default_rng(3)
    base = cv2.resize(rng.integers(0, 256, (80, 140, 3), dtype=np.uint8), (WIDTH + 256, HEIGHT + 256))
    with av.open(str(path), "w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS, options={"preset": "veryfast"})
        video.width, video.height, video.pix_fmt, video.bit_rate = WIDTH, HEIGHT, "yuv420p", 8_000_000
        audio = container.add_stream("aac", rate=48000, layout="stereo")
        for index in range(FPS * SECONDS):
            shift = (index * 3) % 256
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(base[shift : shift + HEIGHT, shift // 2 : shift // 2 + WIDTH]), format="rgb24"
            )
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        tone = (0.2 * np.sin(np.arange(48000 * SECONDS) * 2 * np.pi * 440 / 48000)).astype(np.float32)
        for start in range(0, tone.size, 1024):
            block = np.ascontiguousarray(np.stack([tone[start : start + 1024]] * 2))
            samples = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            samples.sample_rate, samples.pts = 48000, start
            container.mux(audio.encode(samples))
        container.mux(audio.encode(None))
    return path


def plain_reencode(source: Path, output: Path) -> None:
    """The reference: PyAV decode + libx264 re-encode at the source's bit rate and our preset, audio copied."""
    with av.open(str(source)) as reader, av.open(str(output), "w", format="mp4") as writer:
        video_in, audio_in = reader.streams.video[0], reader.streams.audio[0]
        video = writer.add_stream("libx264", rate=video_in.guessed_rate, options=dict(ENCODERS["h264"].options))
        video.width, video.height, video.pix_fmt = video_in.width, video_in.height, "yuv420p"
        video.bit_rate = video_in.bit_rate
        video.codec_context.time_base = video.time_base = video_in.time_base
        audio = writer.add_stream_from_template(audio_in)
        for packet in reader.demux(video_in, audio_in):
            if packet.stream is audio_in:
                if packet.dts is not None:
                    packet.stream = audio
                    writer.mux(packet)
                continue
            for frame in packet.decode():
                frame.pict_type = av.video.frame.PictureType.NONE
                writer.mux(video.encode(frame))
        writer.mux(video.encode(None))


def plain_sample(source: Path, times: tuple[float, ...]) -> int:
    """The reference: PyAV decoding, to RGB, the frames on screen at ``times`` (sequential, seeking ahead)."""
    taken = 0
    with av.open(str(source)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        pending = list(times)
        while pending:
            target = pending[0]
            if target > 2.0:
                container.seek(int(target / float(stream.time_base)), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time is not None and frame.time + 1e-6 >= target:
                    frame.to_ndarray(format="rgb24")
                    taken += 1
                    pending.pop(0)
                    if not pending or pending[0] > 2.0 and pending[0] - frame.time > 2.0:
                        break
                    target = pending[0]
            else:
                break
    return taken


def stamped_clip(folder: Path, limits: MediaLimits) -> tuple[Path, FramePlan, Path]:
    """The bench clip in ``folder``, the frame plan the benches stamp with, and the clip stamped by it."""
    clip = make_clip(folder / "clip.mp4")
    plan = FramePlan(notice=NoticeSpec("AI生成", Corner.BOTTOM_RIGHT, 0.06), payload=PAYLOAD, key=KEY)
    stamped = folder / "stamped.mp4"
    stamp_frames(clip, stamped, plan, limits)
    return clip, plan, stamped


def run(repeats: int) -> str:
    repeats = max(1, min(repeats, 3))
    limits = MediaLimits()
    with tempfile.TemporaryDirectory(prefix="bench-video-") as work:
        folder = Path(work)
        clip, plan, stamped = stamped_clip(folder, limits)
        ocr = build_ocr(DetectorContext())
        times = sample_times(probe_video(stamped))
        # The same hash and size both ways, and what Inspect's full sampling hashes.
        full = image_phash(representative_frame(*sample_frames(stamped, limits)).rgb)
        assert output_facts(stamped, limits) == output_facts_before(stamped, limits) == (full, WIDTH)

        def inspect_frames() -> None:
            info, frames = sample_frames(stamped, limits)
            assert read_frames_watermark(frames, KEY) is not None
            assert video_notice_signals(ocr, stamped, info, frames, limits)

        config = PipelineConfig(watermark_embed=True, detectors=DetectorContext(watermark_key=KEY))
        configure_process(config)  # what a service worker does first (OpenCV's threads)
        job = StampJob("bench-video", "bench", Source.of(clip), PRODUCER, work_dir=folder)
        cases = {
            "Stamp verb (frames + AIGC key, no C2PA)": lambda: stamp_content(job, config),
            "stamp frames: notice + mark + re-encode": lambda: stamp_frames(clip, folder / "out.mp4", plan, limits),
            "reference: PyAV decode + re-encode": lambda: plain_reencode(clip, folder / "ref.mp4"),
            "inspect frames: sample + watermark + OCR": inspect_frames,
            "Inspect verb (all detectors, policy)": lambda: inspect_content(Source.of(stamped), config),
            "reference: PyAV decode of the sampled frames": lambda: plain_sample(stamped, times),
            "output probe + hash: one opening, the middle frame's GOP": lambda: output_facts(stamped, limits),
            "output probe + hash, before: probe, then the samples around the middle": lambda: output_facts_before(
                stamped, limits
            ),
        }
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        timings = measure({name: _cpu_timed(fn, cpu[name]) for name, fn in cases.items()}, repeats=repeats, warmup=0)
        ratios = [
            ("Stamp verb (frames + AIGC key, no C2PA)", "reference: PyAV decode + re-encode"),
            ("stamp frames: notice + mark + re-encode", "reference: PyAV decode + re-encode"),
            ("Inspect verb (all detectors, policy)", "reference: PyAV decode of the sampled frames"),
            ("inspect frames: sample + watermark + OCR", "reference: PyAV decode of the sampled frames"),
            (
                "output probe + hash: one opening, the middle frame's GOP",
                "output probe + hash, before: probe, then the samples around the middle",
            ),
        ]
        text = report(
            f"Video, {WIDTH}x{HEIGHT} H.264 {SECONDS} s at {FPS} fps + AAC ({clip.stat().st_size / 1e6:.1f} MB)",
            timings,
            ratios,
        )
        # Process CPU time (all threads: the decoder's and x264's too) of the same interleaved runs:
        # steadier than wall time on a shared machine.
        lines = ["", "| CPU-time ratio (median process CPU s) | value |", "|---|---:|"]
        for ours, reference in ratios:
            mine, theirs = statistics.median(cpu[ours]), statistics.median(cpu[reference])
            lines.append(f"| {ours} / {reference} ({mine:.1f} / {theirs:.1f}) | {mine / theirs:.2f}x |")
        return text + "\n".join(lines) + "\n"


def output_facts(path: Path, limits: MediaLimits) -> tuple[int, int]:
    """What Stamp reads of its output for the registry: its perceptual hash, then its displayed size."""
    asset = open_asset(path, limits)
    value = image_phash(asset.representative_frame.rgb)
    return value, asset.info().width


def output_facts_before(path: Path, limits: MediaLimits) -> tuple[int, int]:
    """The same, the way Stamp read them before one opening did both (commit fd29005): a probe, then
    the samples around the middle, decoded from the first frame with a probe of their own."""
    info = probe_video(path, limits)
    _, frames = sample_frames(path, limits, representative_times(info))
    return image_phash(representative_frame(info, frames).rgb), info.display_width


def _cpu_timed(fn: Callable[[], object], samples: list[float]) -> Callable[[], None]:
    """``fn``, recording the process CPU seconds of each call into ``samples``."""

    def run() -> None:
        start = time.process_time()
        fn()
        samples.append(time.process_time() - start)

    return run


def breakdown() -> str:
    """Where Stamp's frame time goes: one sequential run per variant, wall and process CPU seconds."""
    import os

    limits = MediaLimits()
    notice = NoticeSpec("AI生成", Corner.BOTTOM_RIGHT, 0.06)
    plans = {
        "our transcode, no edit": FramePlan(),
        "notice only (first 2 s)": FramePlan(notice=notice),
        "watermark only, fixed to the frame grid (before)": FramePlan(payload=PAYLOAD, key=KEY, follow_motion=False),
        "watermark only": FramePlan(payload=PAYLOAD, key=KEY),
        "notice + watermark (Stamp's frames)": FramePlan(notice=notice, payload=PAYLOAD, key=KEY),
    }
    lines = ["| case | wall s | CPU s | output bytes |", "|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="bench-video-") as work:
        folder = Path(work)
        clip = make_clip(folder / "clip.mp4")
        runs = {"reference: PyAV decode + re-encode": lambda out: plain_reencode(clip, out)}
        runs.update({name: (lambda out, p=plan: stamp_frames(clip, out, p, limits)) for name, plan in plans.items()})
        for name, run_case in runs.items():
            out = folder / "out.mp4"
            wall, cpu = time.perf_counter(), time.process_time()
            run_case(out)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            lines.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {os.path.getsize(out):,} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(breakdown())
