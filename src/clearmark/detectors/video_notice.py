"""Visible AI labels in video frames by OCR (start screen: how long, how big; later ones), and the text read."""

from __future__ import annotations

import json
from dataclasses import replace

from clearmark.core.enums import MediaKind
from clearmark.core.kinds import Attr
from clearmark.core.signals import Location, Signal
from clearmark.detectors.ocr import OcrLine
from clearmark.detectors.ocr_notice import OcrNoticeDetector
from clearmark.detectors.ocr_notice import _build as _build_ocr
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.limits import MediaLimits
from clearmark.media.video import SampledFrame, VideoInfo, VideoSource, sample_frames

MIN_START_SCREEN_S = 2.0  # GB 45438: a video's start-screen notice stays at least 2 s
RULE_VERSION = "video-notice/1"
_FINE_STEP_S = 0.004  # the boundary search asks for the frame on screen every 4 ms (every frame up to 250 fps)
_FINE_WINDOW_S = 0.3  # ...over at most this long a window (longer gaps are halved first)


def _notices(ocr: OcrNoticeDetector, frame: SampledFrame) -> list[Signal]:
    return ocr.read_frame(frame.rgb)[0]


def _first_unseen(
    ocr: OcrNoticeDetector, source: VideoSource, limits: MediaLimits, seen_s: float, unseen_s: float
) -> float:
    """The start time of the first frame after ``seen_s`` that shows no notice (at most ``unseen_s``).

    The notice is on screen at ``seen_s`` and gone at ``unseen_s``. Long gaps are halved by single
    samples first; once the gap is under ``_FINE_WINDOW_S`` its frames are decoded together (a
    bounded handful) and searched.
    """
    while unseen_s - seen_s > _FINE_WINDOW_S:
        middle = round((seen_s + unseen_s) / 2, 6)
        _, (frame,) = sample_frames(source, limits, (middle,))
        if _notices(ocr, frame):
            seen_s = middle
        else:
            unseen_s = middle
    steps = int((unseen_s - seen_s) / _FINE_STEP_S)
    times = tuple(round(seen_s + i * _FINE_STEP_S, 6) for i in range(1, steps + 1)) + (unseen_s,)
    _, between = sample_frames(source, limits, tuple(sorted(set(times))))
    candidates = [f for f in between if seen_s < f.time_s <= unseen_s]
    low, high = -1, len(candidates)  # candidates[low] shows the notice, candidates[high] does not
    while high - low > 1:
        middle_index = (low + high) // 2
        if _notices(ocr, candidates[middle_index]):
            low = middle_index
        else:
            high = middle_index
    return candidates[high].time_s if high < len(candidates) else unseen_s


def video_notice_signals(
    ocr: OcrNoticeDetector,
    source: VideoSource,
    info: VideoInfo,
    frames: tuple[SampledFrame, ...],
    limits: MediaLimits,
    *,
    source_name: str = "explicit.video_notice",
) -> list[Signal]:
    """Notice signals of a video: the start-screen notice with its on-screen duration, and later ones;
    then all the text read in the sampled frames as one ``ocr.text`` signal (the campaign checks read it).

    The start screen is sampled densely (``media.video.frames``); where the notice disappears
    between two samples, the frames between them are decoded and searched for the first frame
    without it, so the duration is exact to the frame. Sizes are measured on the displayed frame.
    """
    readings = [(frame, *ocr.read_frame(frame.rgb)) for frame in frames]
    seen = [(frame, found) for frame, found, _ in readings]
    signals: list[Signal] = []
    run: list[tuple[SampledFrame, list[Signal]]] = []
    for frame, found in seen:
        if not found:
            break
        run.append((frame, found))
    rest = seen[len(run) :]
    if run:
        if rest:  # the notice goes between two samples: find the frame where it goes
            on_screen, at_least = _first_unseen(ocr, source, limits, run[-1][0].time_s, rest[0][0].time_s), False
        else:  # on every sampled frame (a persistent badge, or a notice over the whole clip)
            on_screen, at_least = max(run[-1][0].time_s, info.duration_s), True
        signals.append(_summary(run, on_screen, at_least, info, source_name, start_screen=True))
    later = [(frame, found) for frame, found in rest if found]
    if later:
        signals.append(_summary(later, 0.0, False, info, source_name, start_screen=False))
    text = _text_signal(ocr, [(frame.time_s, lines) for frame, _, lines in readings])
    return signals + [text] if text is not None else signals


def _text_signal(ocr: OcrNoticeDetector, read: list[tuple[float, list[OcrLine]]]) -> Signal | None:
    """Every distinct line read in the sampled frames as one ``ocr.text`` signal (for the campaign
    checks): a line seen on many frames is listed once, with its box where first seen and the times
    of the first and last frames showing it."""
    first: dict[str, OcrLine] = {}
    times: dict[str, tuple[float, float]] = {}
    for time_s, lines in read:
        for line in lines:
            first.setdefault(line.text, line)
            times[line.text] = (times.get(line.text, (time_s, time_s))[0], time_s)
    if not first:
        return None
    signal = ocr.text_signal(list(first.values()), [times[text] for text in first])
    span = [t for pair in times.values() for t in pair]
    location = replace(signal.location, time_start_ms=round(min(span) * 1000), time_end_ms=round(max(span) * 1000))
    return replace(signal, location=location, attributes=(*signal.attributes, ("frames_read", str(len(read)))))


def _summary(
    run: list[tuple[SampledFrame, list[Signal]]],
    on_screen_s: float,
    at_least: bool,
    info: VideoInfo,
    source_name: str,
    *,
    start_screen: bool,
) -> Signal:
    first = max(run[0][1], key=lambda s: s.confidence)
    times = [frame.time_s for frame, _ in run]
    boxes = [
        {"time_s": frame.time_s, "bbox": [b.x, b.y, b.width, b.height], "text": dict(s.attributes).get("text", "")}
        for frame, found in run
        for s in found
        if s.location and (b := s.location.bbox) is not None
    ]
    ok = start_screen and on_screen_s + 1e-6 >= MIN_START_SCREEN_S
    if start_screen:
        bound = "at least " if at_least else ""
        where = f"on the start screen for {bound}{on_screen_s:.2f} s (GB 45438: >= {MIN_START_SCREEN_S:.0f} s)"
    else:
        where = "after the start screen only"
    message = f"{first.message}; {where}, seen in frames at {', '.join(f'{t:.2f}' for t in times)} s"
    attributes = dict(first.attributes)
    attributes.update(
        {
            Attr.ON_SCREEN_S: f"{on_screen_s:.3f}",
            "on_screen_at_least": str(at_least).lower(),
            Attr.START_SCREEN_OK: str(ok).lower(),
            Attr.FRAME_TIMES: ",".join(f"{t:.3f}" for t in times),
            "boxes_json": json.dumps(boxes, ensure_ascii=False, separators=(",", ":"))[:20_000],
            "displayed_size": f"{info.display_width}x{info.display_height}",
        }
    )
    location = Location(
        carrier="frames",
        bbox=first.location.bbox if first.location else None,
        time_start_ms=round(times[0] * 1000),
        time_end_ms=round((on_screen_s if start_screen else times[-1]) * 1000),
    )
    return replace(
        first,
        source=source_name,
        rule_id="gb45438.explicit.video.ocr",
        rule_version=RULE_VERSION,
        location=location,
        message=message,
        attributes=tuple((str(k), v) for k, v in attributes.items()),
    )


class VideoNoticeDetector:
    """Reads visible AI labels in a video's sampled frames and measures the start-screen notice."""

    name = "explicit.video_notice"
    version = RULE_VERSION
    kinds = frozenset({MediaKind.VIDEO})
    runs_beside = True  # the OCR models' time on every sampled frame, outside the GIL

    def __init__(self, ocr: OcrNoticeDetector) -> None:
        self._ocr = ocr

    def detect(self, asset: Asset) -> list[Signal]:
        info, frames = asset.video
        return video_notice_signals(self._ocr, asset.source, info, frames, asset.limits, source_name=self.name)


@register_detector(VideoNoticeDetector.name)
def _build(context: DetectorContext) -> VideoNoticeDetector:
    return VideoNoticeDetector(_build_ocr(context))
