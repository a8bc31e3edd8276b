"""Audio: the audible notice (the rhythm 短长短短 or a spoken notice), a keyed watermark and the container's label.

``write_new`` decodes the audio, mixes the notice in at the configured positions (never clipping:
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
from functools import lru_cache
from pathlib import Path

import numpy as np

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, MediaKind
from clearmark.core.errors import InvalidRequest, LabelConflict
from clearmark.labels.implicit_image import LabelReadBackFailed
from clearmark.labels.writers import NewLabel, WriterSettings, Written, new_output_file, register_writer
from clearmark.media.asset import Asset, open_asset
from clearmark.media.audio import decode_audio
from clearmark.media.audio.container import audio_limits
from clearmark.media.audio.entries import is_mirror_carrier
from clearmark.media.audio.recode import SourceCodec, encode_like, source_codec
from clearmark.media.format import write_label_file
from clearmark.media.metadata import LabelCarrier
from clearmark.media.source import Content, Source
from clearmark.notice.audio_rhythm import RHYTHM_NAME, NoticeMix, NoticePosition, mix_notice, render_rhythm
from clearmark.notice.audio_rhythm import spoken_notice_clip as _spoken_clip
from clearmark.watermark import payload_for_produce_id, payload_hex
from clearmark.watermark.audio import MARK_RATE, MIN_DETECT_S, decode_audio_watermark, embed_audio_watermark

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


def encode_output(samples: np.ndarray, codec: SourceCodec, settings: WriterSettings) -> Content:
    """Encode the PCM like the source: a file in the request's work directory (a ``Source``), or bytes without one."""
    suffix = f".{codec.muxer}"
    if settings.work_dir is not None:
        path = new_output_file(settings.work_dir, suffix)
        encode_like(samples, codec, path)
        return Source(path=path)
    fd, name = tempfile.mkstemp(prefix="clearmark-audio-", suffix=suffix)
    os.close(fd)
    try:
        encode_like(samples, codec, name)
        return Path(name).read_bytes()
    finally:
        Path(name).unlink(missing_ok=True)


def write_label_checked(
    content: Content, asset: Asset, label: AigcLabel, target: LabelCarrier | None = None
) -> Content:
    """The content with ``label`` in the container's standard carrier, read back as the file's one label.

    Bytes are rewritten in memory; a file output (fresh from ``encode_output``) is rewritten in place
    through ``write_label_file`` (streamed where the container can: MP4/M4A).

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
    carriers = open_asset(written, asset.limits, kinds=frozenset({MediaKind.AUDIO})).metadata.label_carriers
    parsed = [carrier.parsed.label for carrier in carriers if carrier.parsed is not None]
    if len(carriers) > 1 and label in parsed:
        raise LabelConflict(
            f"writing the standard carrier beside {target.carrier if target else 'a compat carrier'} "
            "would make a second label"
        )
    if len(carriers) != 1 or parsed != [label]:
        raise LabelReadBackFailed(f"label read back as {parsed!r} from {len(carriers)} carriers, wrote {label!r}")
    return written


@register_writer(MediaKind.AUDIO)
class AudioWriter:
    """Writes audio labels: notice and mark in the PCM, re-encoded like the source, then the metadata label."""

    def write_new(self, asset: Asset, new: NewLabel, settings: WriterSettings) -> Written:
        if not new.notice_text and not (new.mark_id and settings.watermark_key):
            # Nothing to hear or mark: the audio is not decoded or re-encoded, only the label written.
            return Written(write_label_checked(asset.data, asset, new.label), (new.metadata_kind,))
        limits = audio_limits(asset.limits, streamed=False)
        codec = source_codec(asset.data, limits)
        audio = decode_audio(asset.data, limits)
        samples, rate = audio.samples, codec.sample_rate
        applied: list[AppliedLabel] = []
        warnings: list[str] = []
        notice_text, positions = "", ()
        if new.notice_text:
            wanted = notice_positions(settings.audio_notice_positions)
            clip, notice_text, duck_db = notice_clip(settings, rate)
            samples, mix = mix_notice(samples, rate, clip, wanted, duck_db=duck_db)
            positions = tuple(position.value for position in wanted)
            applied.append(AppliedLabel.EXPLICIT_NOTICE)
            warnings += _mix_warnings(mix)
        watermark_id = ""
        if new.mark_id and settings.watermark_key:
            duration = samples.shape[0] / rate
            if rate < MARK_RATE:
                warnings.append(f"no audio watermark: it needs a sample rate of at least {MARK_RATE} Hz, not {rate}")
            elif duration < MIN_DETECT_S:
                warnings.append(f"no audio watermark: {duration:.1f} s is too short to read one ({MIN_DETECT_S:.1f} s)")
            else:
                payload = payload_for_produce_id(new.mark_id)
                marked = embed_audio_watermark(samples, rate, payload, settings.watermark_key)
                # Read back like the labels: speech with long pauses or little energy in 250-3750 Hz can
                # need more than a few seconds; a mark that does not decode is not claimed.
                reading = decode_audio_watermark(marked, rate, settings.watermark_key)
                if reading is not None and reading.payload == payload:
                    samples, watermark_id = marked, payload_hex(payload)
                    applied.append(AppliedLabel.WATERMARK)
                else:
                    warnings.append(
                        "no audio watermark: it did not read back from this audio (too short, or too little "
                        "sound in 250-3750 Hz)"
                    )
        content = encode_output(samples, codec, settings)
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
        if not carrier.standard and not is_mirror_carrier(carrier.carrier):
            raise LabelConflict(
                f"the label sits in {carrier.carrier}, not the format's standard carrier; updating it would "
                "write a second label"
            )
        content = write_label_checked(asset.data, asset, label, target=carrier)
        return Written(content, (AppliedLabel.METADATA_PROPAGATOR,))


def _mix_warnings(mix: NoticeMix) -> list[str]:
    warnings = []
    if mix.min_gain_db < -0.05:
        warnings.append(
            f"the audio was turned down by up to {-mix.min_gain_db:.1f} dB around the notice to avoid clipping"
        )
    if mix.padded_s > 0:
        warnings.append(f"the audio was shorter than the notice: {mix.padded_s:.2f} s of silence appended")
    return warnings
