"""Video: the notice drawn on the start screen, the mark in every frame, then the container's metadata label.

Stamp re-encodes once (``media.video.transcode``: same codec family, timing, rotation and colour,
other streams copied); the label then goes into the container's own carrier (MP4 ``udta`` keys,
Matroska tags) through the format's container. Updating an existing label (Label, propagator
fields) rewrites metadata only: no frame is decoded or re-encoded.
"""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, Corner, MediaKind
from clearmark.labels.image_notice import NoticeSpec
from clearmark.labels.text_notice import DocumentWriteFailed, write_document_label
from clearmark.labels.video_notice import FrameOverlay, NoticeSchedule
from clearmark.labels.writers import NewLabel, WriterSettings, Written, new_output_file, register_writer
from clearmark.media.asset import Asset
from clearmark.media.limits import MediaLimits
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Content, Source
from clearmark.media.video import FramePlanes, VideoInfo, VideoSource, probe_video, transcode
from clearmark.notice import RenderedNotice, load_notice_font
from clearmark.watermark import payload_for_produce_id, payload_hex
from clearmark.watermark.video import DEFAULT_REFRESH_FRAMES, FrameMarker


@dataclass(frozen=True)
class FramePlan:
    """What to draw into and embed in a video's frames.

    Attributes:
        notice: the notice (None: draw none).
        schedule: when the notice is on screen, and whether a badge stays on every frame.
        payload: the watermark payload (None: no mark).
        key: the watermark key.
        refresh_frames: the mark is re-fitted to the picture every this many frames (see ``FrameMarker``).
        follow_motion: the mark moves with the picture's global motion between fits (see ``FrameMarker``).
    """

    notice: NoticeSpec | None = None
    schedule: NoticeSchedule = NoticeSchedule()
    payload: bytes | None = None
    key: bytes | None = None
    refresh_frames: int = DEFAULT_REFRESH_FRAMES
    follow_motion: bool = True


@dataclass(frozen=True)
class StampedFrames:
    """What ``stamp_frames`` did: the notice drawn (displayed-frame geometry), the mark, the frames."""

    info: VideoInfo
    notice: RenderedNotice | None
    marked: bool
    frames: int
    encoder: str
    warnings: tuple[str, ...] = ()


def stamp_frames(
    source: VideoSource,
    output_path: Path,
    plan: FramePlan,
    limits: MediaLimits,
    *,
    font_path: Path | None = None,
    info: VideoInfo | None = None,
) -> StampedFrames:
    """Re-encode ``source`` to ``output_path`` with the plan's notice and mark in its frames.

    The notice is drawn first and the mark added last, over the final pixels of every frame.
    ``info`` is the caller's ``probe_video(source, limits)`` when it has one (not probed again).

    Raises:
        InvalidMedia, MediaTooLarge: as ``transcode``.
        InvalidRequest: the notice does not fit the displayed frame.
    """
    if info is None:
        info = probe_video(source, limits)
    full_range = info.color_range == 2 or info.pix_fmt.startswith("yuvj")
    font = load_notice_font(font_path)
    overlay = badge = None
    if plan.notice is not None:
        overlay = FrameOverlay(info, plan.notice, font, full_range=full_range)
        if plan.schedule.badge:
            badge_spec = NoticeSpec(
                text=plan.notice.text, corner=plan.schedule.badge_corner, height_ratio=plan.notice.height_ratio
            )
            badge = FrameOverlay(info, badge_spec, font, full_range=full_range)
    warnings: list[str] = []
    marker = None
    if plan.payload is not None and plan.key:
        if FrameMarker.fits(info.width, info.height):
            marker = FrameMarker(
                plan.payload,
                plan.key,
                full_range=full_range,
                refresh_frames=plan.refresh_frames,
                follow_motion=plan.follow_motion,
            )
        else:
            warnings.append("no invisible watermark: frames need 256 px a side to carry it")
    duration = info.duration_s

    def edit(time_s: float, planes: FramePlanes) -> None:
        if overlay is not None and plan.schedule.shows(time_s, duration):
            overlay.apply(planes)
        if badge is not None:
            badge.apply(planes)
        if marker is not None:
            marker.mark(planes.y)

    result = transcode(source, output_path, edit, limits, info=info)
    return StampedFrames(
        info=info,
        notice=overlay.notice if overlay is not None else None,
        marked=marker is not None,
        frames=result.frames,
        encoder=result.encoder,
        warnings=tuple(warnings),
    )


def write_video_label(
    content: Content, asset: Asset, label: AigcLabel, settings: WriterSettings, target: LabelCarrier | None = None
) -> Content:
    """``content`` (the asset's file or its re-encode) with ``label`` in the container's one standard carrier.

    Metadata only: the container rewrites its boxes or tags and copies the media data; no frame is
    decoded. A container that writes file to file (``write_label_to``: MP4/MOV) streams into the
    request's work directory, so memory stays bounded by its index; others get the bytes. The label
    is read back (exactly one standard carrier, equal) before the content is returned.

    Raises:
        DocumentWriteFailed: the label does not read back exactly once and equal.
        LabelConflict, InvalidMedia, MediaTooLarge: as the container's writer.
    """
    container = asset.spec.container
    streaming = getattr(container, "write_label_to", None)
    if streaming is None or settings.work_dir is None:
        data = content.read_bytes(asset.limits.max_video_bytes) if isinstance(content, Source) else content
        return write_document_label(data, asset.spec, label, limits=asset.limits)
    output = new_output_file(settings.work_dir, f".{asset.spec.name}")
    streaming(Source.of(content), output, label.to_json(), target=target, limits=asset.limits)
    written = Source.of(output)
    assert container is not None
    standard = [c for c in container.read_metadata(written, limits=asset.limits).label_carriers if c.standard]
    parsed = [c.parsed.label for c in standard if c.parsed is not None]
    if parsed != [label]:
        raise DocumentWriteFailed(f"label read back as {parsed!r} from {len(standard)} carriers, wrote {label!r}")
    return written


def _schedule(settings: WriterSettings) -> NoticeSchedule:
    corner = Corner.TOP_LEFT if settings.notice_corner is not Corner.TOP_LEFT else Corner.TOP_RIGHT
    return NoticeSchedule(
        start_s=settings.video_notice_start_s,
        middle_s=settings.video_notice_middle_s,
        end_s=settings.video_notice_end_s,
        badge=settings.video_badge,
        badge_corner=corner,
    )


@register_writer(MediaKind.VIDEO)
class VideoWriter:
    """Writes video labels; frames are re-encoded only when a notice or a mark goes into them."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        applied: list[AppliedLabel] = []
        notice: NoticeSpec | None = None
        if new.notice_text:
            corner = new.corner or settings.notice_corner
            notice = NoticeSpec(text=new.notice_text, corner=corner, height_ratio=settings.notice_height_ratio)
        payload = payload_for_produce_id(new.mark_id) if new.mark_id and settings.watermark_key else None
        warnings: tuple[str, ...] = ()
        stamped: StampedFrames | None = None
        content: Content = asset.source
        if notice is not None or payload is not None:
            plan = FramePlan(notice=notice, schedule=_schedule(settings), payload=payload, key=settings.watermark_key)
            with contextlib.ExitStack() as stack:
                work = settings.work_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="clearmark-")))
                output = new_output_file(work, f".{asset.spec.name}")
                stamped = stamp_frames(
                    asset.source, output, plan, asset.limits, font_path=settings.font_path, info=asset.video_info
                )
                # Without a work directory the caller wants bytes; with one, the file is the output.
                content = Source.of(output) if settings.work_dir else output.read_bytes()
            warnings = stamped.warnings
            if stamped.notice is not None:
                applied.append(AppliedLabel.EXPLICIT_NOTICE)
            if stamped.marked:
                applied.append(AppliedLabel.WATERMARK)
        content = write_video_label(content, asset, new.label, settings)
        applied.append(new.metadata_kind)
        return Written(
            content,
            tuple(applied),
            notice=stamped.notice if stamped else None,
            notice_text=new.notice_text if stamped and stamped.notice else "",
            notice_positions=("start",) if stamped and stamped.notice else (),
            warnings=warnings,
            watermark_id=payload_hex(payload) if stamped and stamped.marked and payload else "",
        )

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        content = write_video_label(asset.source, asset, label, settings, target=carrier)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))
