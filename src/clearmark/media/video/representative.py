"""The frame a video's perceptual hash is taken of, found from packet timestamps and decoded alone.

Inspect samples the whole video (``frames.sample_frames``) and hashes the sample nearest the middle.
Stamp hashes its own output for the registry and needs that one frame only: ``representative_sample``
reads the presentation times of the video packets that decide it (the first group of pictures, then
the stretch around the middle: demuxing, no decoding) to tell which frame full sampling would pick,
then seeks to the key frame before it and decodes up to it. One opening of the file also yields
what ``probe_video`` says: the header, and the rotation from the decoded frame.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av

from clearmark.core.errors import InvalidMedia
from clearmark.media.limits import DEFAULT_LIMITS, MediaLimits
from clearmark.media.video.frames import SampledFrame, SampleSelection, sample_frames, sample_of, sample_times
from clearmark.media.video.probe import (
    _AV_ERRORS,
    VideoInfo,
    VideoSource,
    open_video,
    probe_video,
    read_video_header,
    rotated,
    source_size,
    video_stream,
)

# Codecs whose non-reference frames no other frame predicts from (H.264's nal_ref_idc 0), so decoding
# towards a frame may skip them. Not HEVC: its sub-layer non-reference pictures may be references of a
# higher temporal sub-layer.
NONREF_SKIPPABLE = frozenset({"h264"})
# Demuxers whose packets carry true presentation times (AVI's B-frames do not).
PRESENTATION_TIMED = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm"})


def representative_times(info: VideoInfo) -> tuple[float, ...]:
    """The sample times whose frames can be ``representative_frame``: two on each side of the middle.

    A sample shows the last frame at or before its time, so frames only move earlier than their
    times: the nearest frame to the middle comes from the last samples before it or the first after.
    Decoding just these finds the frame ``sample_times`` would, without the start screen and the rest
    of the video.
    """
    middle = info.duration_s / 2
    times = sample_times(info)
    return tuple([t for t in times if t <= middle][-2:] + [t for t in times if t > middle][:2])


def representative_frame(info: VideoInfo, frames: tuple[SampledFrame, ...]) -> SampledFrame:
    """The sampled frame nearest the middle of the video: what its perceptual hash is taken of."""
    if not frames:
        raise InvalidMedia("no frame was sampled")
    middle = info.duration_s / 2
    return min(frames, key=lambda frame: (abs(frame.time_s - middle), frame.time_s))


# Key frames read past the last sample time before the packet scan stops: leading pictures of the
# first may still show before it, but nothing coded after the second does.
_KEYS_PAST = 2
# Seeks tried to land on a key frame shown at or before a time (see ``_seek_key``).
_SEEK_TRIES = 4


@dataclass
class _Packets:
    """What demuxing the video stream (no decoding) told: the frames' pts and the key frames, from the
    first group of pictures (the time origin) and from the key frame before the first sample time to
    ``_KEYS_PAST`` key frames past the last one."""

    pts: list[int] = field(default_factory=list)  # in decoding order
    keys: list[int] = field(default_factory=list)  # the key frames' pts
    predictable: bool = True  # timestamps on every packet, a stream opening on its earliest key frame
    reordered: bool = False  # presentation times go back in decoding order (B-frames with real timestamps)
    complete: bool = False  # the scan reached the end of the stream


def representative_sample(source: VideoSource, limits: MediaLimits = DEFAULT_LIMITS) -> tuple[VideoInfo, SampledFrame]:
    """The video's declared parameters (as ``probe_video``) and ``representative_frame`` of its samples.

    The frame is the one ``representative_frame(*sample_frames(source))`` returns, time and pixels;
    only the group of pictures up to it is decoded, and the rotation is read from it. Where the
    packets' timestamps cannot predict the decoder's frames (no timestamps, a stream that does not
    start on a key frame, a frame that does not come out as predicted), the file is probed and the
    samples around the middle are decoded instead (``representative_times``), as before.

    Raises:
        InvalidMedia: unreadable, corrupt or truncated video (as ``sample_frames``).
        MediaTooLarge: a header limit of ``limits`` (checked before decoding).
    """
    size = source_size(source)
    with open_video(source, limits) as container:
        header = read_video_header(container, size, limits)
        stream = video_stream(container)
        stream.thread_type = "AUTO"
        try:
            found = _decode_alone(container, stream, header, _read_packets(container, stream, header))
        except _AV_ERRORS as exc:
            raise InvalidMedia(f"the video stream does not decode: {exc}") from exc
    if found is not None:
        return found
    info = probe_video(source, limits)
    return info, representative_frame(info, sample_frames(source, limits, representative_times(info), info=info)[1])


def _read_packets(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, header: VideoInfo
) -> _Packets:
    """Demux the stretches of the video stream that decide the representative frame, decoding nothing.

    The first group of pictures gives the time origin (its first packet must be a key frame and its
    earliest picture); then the demuxer seeks to the key frame before the first sample time, unless
    the scan is there already, and reads until ``_KEYS_PAST`` key frames past the last sample time.
    """
    packets = _Packets()
    demuxed: Iterator[av.Packet] = iter(container.demux(stream))
    in_head = _scan(packets, demuxed, stop=lambda pts: len(packets.keys) == 2)
    if not packets.pts or packets.keys[:1] != packets.pts[:1] or min(packets.pts) != packets.pts[0]:
        packets.predictable = False
    if not in_head or not packets.predictable:
        return packets
    origin = _seconds(packets.pts[0], stream)
    times = representative_times(header)
    first, last = origin + times[0], origin + times[-1]
    if first > _seconds(packets.pts[-1], stream):  # the samples lie past the first group: jump there
        jumped = _seek_key(container, stream, packets.pts[0] + int(times[0] / stream.time_base))
        if jumped is None:
            packets.predictable = False
            return packets
        demuxed = jumped
    beyond = sum(1 for key in packets.keys if _seconds(key, stream) > last)

    def enough(pts: int) -> bool:
        nonlocal beyond
        beyond += _seconds(pts, stream) > last
        return beyond >= _KEYS_PAST

    _scan(packets, demuxed, stop=enough)
    return packets


def _seek_key(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, pts: int
) -> Iterator[av.Packet] | None:
    """The video packets from a key frame shown at or before ``pts`` on; None when no seek lands on one.

    Demuxers seek on their index: Matroska's cues are presentation times, MP4's are decoding times
    shifted by the edit list, so a key frame coded before ``pts`` may show after it (HEVC's pyramid):
    then the seek goes back before that key frame's decoding time.
    """
    target = pts
    for _ in range(_SEEK_TRIES):
        container.seek(target, stream=stream, backward=True)
        demuxed = iter(container.demux(stream))
        landed = next((packet for packet in demuxed if packet.size and not packet.is_discard), None)
        if landed is None or not landed.is_keyframe or landed.pts is None:
            return None
        if landed.pts <= pts:
            return itertools.chain([landed], demuxed)
        earlier = (landed.dts if landed.dts is not None else landed.pts) - 1
        target = min(target - 1, earlier)
    return None


def _scan(packets: _Packets, demuxed: Iterator[av.Packet], stop: Callable[[int], bool]) -> bool:
    """Record packets until ``stop(pts)`` holds after a key frame; False (and ``complete``) at the end of the stream."""
    previous: int | None = None
    for packet in demuxed:
        if packet.size == 0 or packet.is_discard:  # the flush packet; frames the decoder drops (edit lists)
            continue
        if packet.pts is None:
            packets.predictable = False
            return False
        # Within one run of packets: a jump (seek) between runs says nothing about the coding order.
        packets.reordered = packets.reordered or (previous is not None and packet.pts < previous)
        previous = packet.pts
        packets.pts.append(packet.pts)
        if packet.is_keyframe:
            packets.keys.append(packet.pts)
            if stop(packet.pts):
                return True
    packets.complete = True
    return False


def _seconds(pts: int, stream: av.video.stream.VideoStream) -> float:
    # The same arithmetic as PyAV's ``Frame.time``, so times compare equal to the decoded frames'.
    base = stream.time_base
    return float(pts) * base.numerator / base.denominator


def _pick(info: VideoInfo, times: list[tuple[float, int]], complete: bool) -> tuple[float, int] | None:
    """The (time, pts) of the frame ``representative_frame`` picks among the samples at ``representative_times``.

    Full sampling's own rule (``frames.SampleSelection``) applied to the packets' times; past the last
    frame of the stream (``complete``: ``times`` run to its end), the last frame, unless the file is cut
    short of its declared duration. None when ``times`` stop before a sample time is settled.
    """
    taken: list[tuple[float, int]] = []
    selection = SampleSelection[int](list(representative_times(info)), lambda *kept: taken.append(kept))
    settled = any(selection.offer(time_s, pts) for time_s, pts in times)
    if not settled:
        if not complete:
            return None
        selection.end(info)
    middle = info.duration_s / 2
    return min(taken, key=lambda item: (abs(item[0] - middle), item[0]), default=None)


def _decode_alone(
    container: av.container.InputContainer, stream: av.video.stream.VideoStream, header: VideoInfo, packets: _Packets
) -> tuple[VideoInfo, SampledFrame] | None:
    """The info and the representative frame, decoded from the key frame before it; None when the packets
    cannot tell which frame that is."""
    # The samplers' times count from the first frame decoded: a stream starting on a key frame that
    # is also its earliest picture shows that one first (a stream opening on leading pictures need not).
    if not packets.predictable:
        return None
    origin = _seconds(packets.pts[0], stream)
    times = sorted((round(_seconds(pts, stream) - origin, 6), pts) for pts in set(packets.pts))
    picked = _pick(header, times, packets.complete)
    if picked is None:
        return None
    time_s, target = picked
    key = max(key for key in packets.keys if key <= target)  # the first packet is a key frame
    demuxed = _seek_key(container, stream, key)  # this key frame, or one before it: frames before it are skipped
    if demuxed is None:
        return None
    skipping = header.codec in NONREF_SKIPPABLE and header.container in PRESENTATION_TIMED and packets.reordered
    expected = [pts for _, pts in times if key <= pts <= target]
    shown: list[int] = []
    context = stream.codec_context
    for packet in demuxed:
        if skipping:  # no other frame predicts from a non-reference one: only the target's is decoded
            context.skip_frame = "DEFAULT" if packet.pts == target else "NONREF"
        for frame in packet.decode():
            # The decoder must show the packets' frames from the key frame on, in order: timestamps a
            # container does not reorder (B-frames in AVI) come out shuffled, and only sampling can tell.
            if frame.pts is None or (shown and frame.pts <= shown[-1]):
                return None
            if frame.pts < key:
                continue
            shown.append(frame.pts)
            if frame.pts < target:
                continue
            whole = set(shown) <= set(expected) if skipping else shown == expected
            if frame.pts > target or not whole or frame.time is None:
                return None
            if round(float(frame.time) - origin, 6) != time_s:
                return None
            info = rotated(header, frame)  # the stream's display matrix, on every decoded frame
            return info, sample_of(frame, time_s, info)
    return None
