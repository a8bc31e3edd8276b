"""ClearMark's watermark in video: decoded in the sampled frames' luma, the payload taken by majority."""

from __future__ import annotations

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.detectors.watermark import content_bound_value
from clearmark.media.asset import Asset
from clearmark.media.perceptual import PHASH
from clearmark.media.video import SampledFrame
from clearmark.watermark.binding import Verdict
from clearmark.watermark.video import VideoWatermarkReading, read_video_watermark


def video_watermark_signal(reading: VideoWatermarkReading, source: str, version: str, phash: int) -> Signal:
    """The signal of a majority reading, with the agreeing frames' times and the video's frame pHash."""
    best = reading.best.reading
    verdict = reading.binding_verdict
    bound = verdict is Verdict.BOUND
    times = [f.time_s for f in reading.frames]
    message = (
        f"ClearMark watermark decoded in {reading.votes} of {reading.frames_read} sampled frames "
        f"(at {', '.join(f'{t:.2f}' for t in times)} s), registry key {reading.payload_hex}"
    )
    if reading.other_payloads:
        message += f"; {reading.other_payloads} frame(s) decoded to another payload"
    if verdict is Verdict.UNBOUND:
        message += "; its strength follows other pictures' maps, not these frames' (copied from other content)"
    elif verdict is Verdict.UNDETERMINED:
        message += "; whether its strength follows these frames cannot be told (too uniform or too altered)"
    return Signal(
        source=source,
        kind=SignalKind.WATERMARK_CLEARMARK,
        confidence=reading.confidence,
        rule_id="watermark.clearmark.video",
        rule_version=version,
        category_hint=Category.AI_SUSPECTED if bound else Category.NO_SIGNAL,
        location=Location(
            carrier="frames", time_start_ms=round(min(times) * 1000), time_end_ms=round(max(times) * 1000)
        ),
        message=message,
        attributes=(
            ("payload", reading.payload_hex),
            (Attr.REGISTRY_KEY, reading.payload_hex),
            ("votes", str(reading.votes)),
            ("frames_read", str(reading.frames_read)),
            ("other_payloads", str(reading.other_payloads)),
            (Attr.FRAME_TIMES, ",".join(f"{t:.3f}" for t in times)),
            ("bit_errors", str(best.bit_errors)),
            ("sync_z", f"{best.sync_z:.1f}"),
            ("scale", f"{best.scale:.3f}"),
            (Attr.CONTENT_BOUND, content_bound_value(verdict)),
            ("frames_bound", str(sum(f.reading.content_bound for f in reading.frames))),
            (Attr.CONTENT_PHASH, f"{phash:016x}"),
        ),
    )


def read_frames_watermark(frames: tuple[SampledFrame, ...], key: bytes) -> VideoWatermarkReading | None:
    """The majority reading over sampled frames, key frames and the spread samples first (least alike)."""
    ordered = sorted(frames, key=lambda f: (not f.key_frame, f.time_s < 3.0, f.time_s))
    return read_video_watermark(((f.time_s, f.luma) for f in ordered), key)


class ClearMarkVideoWatermarkDetector:
    """Decodes ClearMark's watermark in a video's sampled frames under the deployment key."""

    name = "watermark.clearmark_video"
    version = "1"
    kinds = frozenset({MediaKind.VIDEO})

    def __init__(self, key: bytes | None) -> None:
        self._key = key

    def detect(self, asset: Asset) -> list[Signal]:
        if not self._key:
            return []
        _, frames = asset.video
        reading = read_frames_watermark(frames, self._key)
        if reading is None:
            return []
        return [video_watermark_signal(reading, self.name, self.version, asset.view(PHASH))]


@register_detector(ClearMarkVideoWatermarkDetector.name)
def _build(context: DetectorContext) -> ClearMarkVideoWatermarkDetector:
    return ClearMarkVideoWatermarkDetector(context.watermark_key)
