"""Audio: the audible notice (the rhythm 短长短短 or a spoken notice), a keyed watermark and the container's label.

``write_new`` decodes the audio block by block (``audio_blocks.stamp_blocks``: memory bounded by the
block, not the file), mixes the notice in at the configured positions (never clipping:
the mixture is turned down around the notice where it would), embeds the watermark over the final
PCM, encodes it again like the source (same container, codec, sample rate, channels, bit depth or
bit rate, tags) and writes the GB 45438 label into the container's standard carrier, read back
before returning. ``update`` rewrites only the label (no re-encoding), every other tag kept.

An operator's spoken notice is **mixed**, not prepended: the content keeps its duration and
timing (subtitles, chapter marks and a producer's own cue points stay valid); the content under it
is ducked by ``SPOKEN_DUCK_DB`` so the words stay intelligible.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, MediaKind
from clearmark.core.errors import InvalidRequest, LabelConflict
from clearmark.labels.audio_blocks import MarkPlan, NoticePlan, stamp_blocks
from clearmark.labels.implicit_image import LabelReadBackFailed
from clearmark.labels.writers import (
    NewLabel,
    WriterSettings,
    Written,
    new_output_file,
    refuse_second_label,
    register_writer,
)
from clearmark.media.asset import Asset, open_asset
from clearmark.media.audio import decode_audio
from clearmark.media.audio.container import audio_limits
from clearmark.media.audio.entries import is_mirror_carrier
from clearmark.media.audio.pcm import iter_pcm
from clearmark.media.audio.recode import PcmEncoder, SourceCodec, source_codec
from clearmark.media.audio.source import pcm_source
from clearmark.media.format import write_label_file
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Content, Source
from clearmark.notice.audio_rhythm import RHYTHM_NAME, NoticePosition, render_rhythm
from clearmark.notice.audio_rhythm import spoken_notice_clip as _spoken_clip
from clearmark.watermark import payload_for_produce_id, payload_hex

# The content under an operator's spoken notice is turned down this much while the notice plays.
SPOKEN_DUCK_DB = -12.0
SPOKEN_NOTICE = "spoken notice"


def notice_positions(names: tuple[str, ...]) -> tuple[NoticePosition, ...]:
    """The configured position names as positions.

    Raises:
        InvalidRequest: an unknown name.
    """
    try:
        return tuple(NoticePosition(name) for name in names) or (NoticePosition.START,)
    except ValueError:
        raise InvalidRequest(f"audio notice positions are start, middle or end, not {list(names)}") from None


@lru_cache(maxsize=4)
def _spoken_notice(path: str, mtime_ns: int, sample_rate: int) -> np.ndarray:
    decoded = decode_audio(path)
    try:
        return _spoken_clip(decoded.samples, decoded.sample_rate, sample_rate)
    except ValueError as error:
        raise InvalidRequest(f"the configured spoken notice cannot be used: {error}") from None


def notice_clip(settings: WriterSettings, sample_rate: int) -> tuple[np.ndarray, str, float]:
    """The audible notice as a mono clip at ``sample_rate``, what it is, and the duck level under it."""
    path = settings.audio_spoken_notice
    if path is None:
        return render_rhythm(sample_rate, settings.audio_rhythm), RHYTHM_NAME, 0.0
    clip = _spoken_notice(str(path), os.stat(path).st_mtime_ns, sample_rate)
    return clip, SPOKEN_NOTICE, SPOKEN_DUCK_DB


@contextmanager
def _output(codec: SourceCodec, settings: WriterSettings) -> Iterator[tuple[PcmEncoder, Path]]:
    """An encoder writing like the source to a new file: in the request's work directory, or a temporary one.

    The file is removed when encoding fails; a temporary file is read into bytes by ``_finished``.
    """
    suffix = f".{codec.muxer}"
    if settings.work_dir is not None:
        path = new_output_file(settings.work_dir, suffix)
    else:
        fd, name = tempfile.mkstemp(prefix="clearmark-audio-", suffix=suffix)
        os.close(fd)
        path = Path(name)
    try:
        with PcmEncoder(codec, path) as encoder:
            yield encoder, path
    except BaseException:
        Path(path).unlink(missing_ok=True)
        raise


def _finished(path: Path, settings: WriterSettings) -> Content:
    """The encoded output as content: the work-directory file, or a temporary file's bytes (file removed)."""
    if settings.work_dir is not None:
        return Source(path=path)
    try:
        return path.read_bytes()
    finally:
        path.unlink(missing_ok=True)


def write_label_checked(
    content: Content, asset: Asset, label: AigcLabel, target: LabelCarrier | None = None
) -> Content:
    """The content with ``label`` in the container's standard carrier, read back as the file's one label.

    Bytes are rewritten in memory; a file output (fresh from ``_output``) is rewritten in place
    through ``write_label_file`` (in pieces where the container can: WAV, MP3, FLAC, MP4/M4A).

    Raises:
        LabelConflict: the result would hold a second, different label (a compat carrier elsewhere).
        LabelReadBackFailed: the written label does not read back as written.
    """
    container = asset.spec.container
    assert container is not None
    if isinstance(content, Source):
        assert content.path is not None
        write_label_file(container, content, content.path, label.to_json(), target=target, limits=asset.limits)
        written: Content = Source(path=content.path)
    else:
        written = container.write_label(content, label.to_json(), target=target, limits=asset.limits)
    _read_back(written, asset, label, target)
    return written


def write_label_only(
    asset: Asset, label: AigcLabel, settings: WriterSettings, target: LabelCarrier | None = None
) -> Content:
    """The asset with only its metadata label written, the audio untouched.

    An upload spooled on disk, with a work directory, is written file to file into it through
    ``write_label_file`` (WAV, MP3 and FLAC in pieces: past ``max_bytes``, up to ``max_stream_bytes``);
    content in memory is rewritten in memory (within ``max_bytes``).

    Raises: as ``write_label_checked``.
    """
    if settings.work_dir is None or asset.source.in_memory:
        return write_label_checked(asset.data, asset, label, target)
    container = asset.spec.container
    assert container is not None
    output = new_output_file(settings.work_dir, f".{asset.spec.name}")
    try:
        write_label_file(container, asset.source, output, label.to_json(), target=target, limits=asset.limits)
        written = Source(path=output)
        _read_back(written, asset, label, target)
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    return written


def _read_back(written: Content, asset: Asset, label: AigcLabel, target: LabelCarrier | None) -> None:
    carriers = open_asset(written, asset.limits, kinds=frozenset({MediaKind.AUDIO})).metadata.label_carriers
    parsed = [carrier.parsed.label for carrier in carriers if carrier.parsed is not None]
    if len(carriers) > 1 and label in parsed:
        raise LabelConflict(
            f"writing the standard carrier beside {target.carrier if target else 'a compat carrier'} "
            "would make a second label"
        )
    if len(carriers) != 1 or parsed != [label]:
        raise LabelReadBackFailed(f"label read back as {parsed!r} from {len(carriers)} carriers, wrote {label!r}")


@register_writer(MediaKind.AUDIO)
class AudioWriter:
    """Writes audio labels: notice and mark in the PCM, re-encoded like the source, then the metadata label."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        if not new.notice_text and not (new.mark_id and settings.watermark_key):
            # Nothing to hear or mark: the audio is not decoded or re-encoded, only the label written.
            return Written(write_label_only(asset, new.label, settings), (new.metadata_kind,))
        # Decoded in blocks, so the file may be as long as a streamed upload (max_stream_bytes); the label
        # is then written file to file (WAV, MP3, FLAC, M4A; Ogg in memory, within max_bytes).
        limits = audio_limits(asset.limits)
        source = pcm_source(asset)
        codec = source_codec(source, limits)
        rate = codec.sample_rate
        applied: list[AppliedLabel] = []
        warnings: list[str] = []
        notice_text, positions = "", ()
        notice: NoticePlan | None = None
        if new.notice_text:
            wanted = notice_positions(settings.audio_notice_positions)
            clip, notice_text, duck_db = notice_clip(settings, rate)
            notice = NoticePlan(clip, wanted, duck_db)
            positions = tuple(position.value for position in wanted)
        mark = (
            MarkPlan(payload_for_produce_id(new.mark_id), settings.watermark_key)
            if (new.mark_id and settings.watermark_key)
            else None
        )
        total = None
        if notice is not None and set(notice.positions) - {NoticePosition.START}:
            total = sum(block.shape[0] for _, block in iter_pcm(source, limits))  # a counting pass
        with _output(codec, settings) as (encoder, output):
            done = stamp_blocks(
                (block for _, block in iter_pcm(source, limits)),
                rate,
                codec.channels,
                encoder.write,
                notice=notice,
                mark=mark,
                total_frames=total,
            )
        if notice is not None:
            applied.append(AppliedLabel.EXPLICIT_NOTICE)
            warnings += _mix_warnings(done.min_gain_db, done.padded_s)
        watermark_id = ""
        if done.marked and mark is not None:
            watermark_id = payload_hex(mark.payload)
            applied.append(AppliedLabel.WATERMARK)
        elif done.mark_warning:
            warnings.append(done.mark_warning)
        content = _finished(output, settings)
        content = write_label_checked(content, asset, new.label)
        applied.append(new.metadata_kind)
        return Written(
            content,
            tuple(applied),
            notice_text=notice_text,
            notice_positions=positions,
            warnings=tuple(warnings),
            watermark_id=watermark_id,
        )

    def update(
        self,
        asset: Asset,
        carrier: LabelCarrier,
        label: AigcLabel,
        settings: WriterSettings,
        xmp_extra: tuple[tuple[tuple[str, str], str], ...] = (),
    ) -> Written:
        # Audio containers carry no XMP: a C2PA pointer has nowhere to go (the manifest itself does).
        refuse_second_label(carrier, updatable=is_mirror_carrier(carrier.carrier))
        content = write_label_only(asset, label, settings, target=carrier)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))


def _mix_warnings(min_gain_db: float, padded_s: float) -> list[str]:
    warnings = []
    if min_gain_db < -0.05:
        warnings.append(f"the audio was turned down by up to {-min_gain_db:.1f} dB around the notice to avoid clipping")
    if padded_s > 0:
        warnings.append(f"the audio was shorter than the notice: {padded_s:.2f} s of silence appended")
    return warnings
