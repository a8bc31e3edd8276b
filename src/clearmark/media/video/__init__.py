"""Video through PyAV: probe under limits, sample frames, transcode with a per-frame edit."""

from clearmark.media.video.frames import SampledFrame, sample_frames, sample_times
from clearmark.media.video.probe import StreamInfo, VideoInfo, VideoSource, probe_video
from clearmark.media.video.representative import representative_frame, representative_sample, representative_times
from clearmark.media.video.transcode import FrameEditor, FramePlanes, TranscodeResult, transcode

__all__ = [
    "FrameEditor",
    "FramePlanes",
    "SampledFrame",
    "StreamInfo",
    "TranscodeResult",
    "VideoInfo",
    "VideoSource",
    "probe_video",
    "representative_frame",
    "representative_sample",
    "representative_times",
    "sample_frames",
    "sample_times",
    "transcode",
]
