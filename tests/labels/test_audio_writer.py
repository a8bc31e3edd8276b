"""The audio writer: the notice at its positions without clipping, a spoken notice mixed, the mark, the label."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from bench.audio.signals import speech_like
from tests.conftest import PLATFORM, PRODUCER

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel, MediaKind
from clearmark.core.errors import LabelConflict
from clearmark.labels.audio_writer import SPOKEN_NOTICE, AudioWriter
from clearmark.labels.writers import NewLabel, WriterSettings, writer_for
from clearmark.media import DEFAULT_LIMITS, open_asset
from clearmark.media.audio import decode_audio, encode_audio, probe_audio
from clearmark.media.source import Source
from clearmark.notice.audio_rhythm import RhythmStyle
from clearmark.notice.audio_rhythm_detect import detect_rhythm
from clearmark.watermark import payload_for_produce_id
from clearmark.watermark.audio import decode_audio_watermark

KEY = bytes(range(32))
RATE = 44100
LABEL = AigcLabel("1", PRODUCER, "CM-AUDIO-W", "", PRODUCER, "CM-AUDIO-W", "")
NEW = NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER, notice_text="AI生成", mark_id="CM-AUDIO-W")


def speech(seconds: float = 10.0, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    mono = speech_like(11, seconds, rate)
    return np.repeat((level / np.max(np.abs(mono)) * mono)[:, None], 2, axis=1).astype(np.float32)


def _asset(content: bytes | None):
    assert content is not None
    return open_asset(content, DEFAULT_LIMITS)


def test_the_writer_is_registered_for_audio() -> None:
    assert isinstance(writer_for(MediaKind.AUDIO), AudioWriter)


def test_rhythm_at_start_and_end_a_mark_and_the_label_read_back() -> None:
    settings = WriterSettings(watermark_key=KEY, audio_notice_positions=("start", "end"))
    written = AudioWriter().write_new(_asset(encode_audio(speech(), RATE, "flac")), NEW, settings)
    assert written.applied == (AppliedLabel.EXPLICIT_NOTICE, AppliedLabel.WATERMARK, AppliedLabel.METADATA_PRODUCER)
    assert (written.notice_text, written.notice_positions) == ("短长短短", ("start", "end"))
    audio = decode_audio(written.content)
    assert audio.samples.shape == (int(10.0 * RATE), 2)
    found = detect_rhythm(audio.samples, RATE)
    assert [round(hit.start_s, 1) for hit in found] == [0.1, round(10.0 - 0.05 - RhythmStyle().duration_s, 1)]
    reading = decode_audio_watermark(audio.samples, RATE, KEY)
    assert reading is not None and reading.payload == payload_for_produce_id("CM-AUDIO-W")
    carriers = _asset(written.content).metadata.label_carriers
    assert [(c.carrier, c.parsed.label if c.parsed else None) for c in carriers] == [("vorbis/AIGC", LABEL)]


def test_loud_audio_is_turned_down_around_the_notice_never_clipped() -> None:
    loud = speech(6.0, level=0.97)
    style = RhythmStyle(level_dbfs=-1.0, frequency_hz=2000, unit_ms=80)
    written = AudioWriter().write_new(
        _asset(encode_audio(loud, RATE, "wav_f32")), NEW, WriterSettings(audio_rhythm=style)
    )
    samples = decode_audio(written.content).samples
    assert np.max(np.abs(samples)) <= 0.98 + 1e-6
    assert any("turned down" in warning for warning in written.warnings)
    assert [round(hit.frequency_hz, -2) for hit in detect_rhythm(samples, RATE)] == [2000.0]


def test_a_spoken_notice_file_is_mixed_over_ducked_content_keeping_the_duration(tmp_path: Path) -> None:
    notice = tmp_path / "notice.wav"
    notice.write_bytes(encode_audio(speech(1.5, rate=16000)[:, :1], 16000, "wav") or b"")
    content = encode_audio(speech(6.0), RATE, "mp3")
    settings = WriterSettings(audio_spoken_notice=notice)
    written = AudioWriter().write_new(_asset(content), NEW, settings)
    assert (written.notice_text, written.notice_positions) == (SPOKEN_NOTICE, ("start",))
    assert probe_audio(written.content).duration_s == pytest.approx(probe_audio(content).duration_s, abs=0.06)
    assert detect_rhythm(decode_audio(written.content).samples, RATE) == ()


def test_without_notice_or_mark_the_audio_is_not_re_encoded() -> None:
    content = encode_audio(speech(3.0), RATE, "mp3")
    new = NewLabel(LABEL.with_propagator(PLATFORM, "P-1"), AppliedLabel.METADATA_PROPAGATOR)
    written = AudioWriter().write_new(_asset(content), new, WriterSettings(watermark_key=KEY))
    assert written.applied == (AppliedLabel.METADATA_PROPAGATOR,)
    assert content is not None and written.content.endswith(content[-4096:])  # the MPEG frames, byte for byte


@pytest.mark.parametrize(
    ("rate", "seconds", "why"),
    [(8000, 8.0, "sample rate of at least 16000"), (RATE, 2.0, "too short"), (RATE, 5.0, "did not read back")],
)
def test_audio_that_cannot_carry_the_mark_says_so(rate: int, seconds: float, why: str) -> None:
    pcm = speech(seconds, rate=rate)
    new = NEW
    if why == "did not read back":  # digital silence and no notice: nothing for the mark to ride on
        pcm, new = np.zeros_like(pcm), NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER, mark_id="CM-AUDIO-W")
    content = encode_audio(pcm, rate, "wav")
    written = AudioWriter().write_new(_asset(content), new, WriterSettings(watermark_key=KEY))
    assert AppliedLabel.WATERMARK not in written.applied and written.watermark_id == ""
    assert any(why in warning for warning in written.warnings)


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def _with_chunks(wav: bytes, *chunks: bytes) -> bytes:
    data = wav + b"".join(chunks)
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:]


def test_update_rewrites_the_label_and_its_list_info_copy_in_step() -> None:
    wav = encode_audio(speech(2.0), RATE, "wav") or b""
    text = LABEL.to_json().encode()
    both = _with_chunks(wav, _chunk(b"AIGC", text), _chunk(b"LIST", b"INFO" + _chunk(b"AIGC", text)))
    asset = _asset(both)
    (carrier,) = asset.metadata.label_carriers
    updated = AudioWriter().update(asset, carrier, LABEL.with_propagator(PLATFORM, "P-2"), WriterSettings())
    assert updated.applied == (AppliedLabel.METADATA_PROPAGATOR,)
    (after,) = _asset(updated.content).metadata.label_carriers
    assert after.parsed is not None and after.parsed.label.propagate_id == "P-2"
    assert updated.content.count(b'"PropagateID":"P-2"') == 2  # the standard chunk and the INFO copy
    assert np.array_equal(decode_audio(updated.content).samples, decode_audio(both).samples)


def test_update_of_a_label_in_a_wav_id3_chunk_refuses_to_write_a_second_label() -> None:
    import io

    import mutagen.id3

    tag = mutagen.id3.ID3()
    tag.add(mutagen.id3.TXXX(encoding=3, desc="AIGC", text=[LABEL.to_json()]))
    buffer = io.BytesIO()
    tag.save(buffer)
    wav = _with_chunks(encode_audio(speech(2.0), RATE, "wav") or b"", _chunk(b"id3 ", buffer.getvalue()))
    asset = _asset(wav)
    (carrier,) = asset.metadata.label_carriers
    assert not carrier.standard
    with pytest.raises(LabelConflict):
        AudioWriter().update(asset, carrier, LABEL.with_propagator(PLATFORM, "P-3"), WriterSettings())


def test_with_a_work_directory_the_output_is_a_file_there(tmp_path: Path) -> None:
    content = encode_audio(speech(6.0), RATE, "wav")
    written = AudioWriter().write_new(_asset(content), NEW, WriterSettings(watermark_key=KEY, work_dir=tmp_path))
    assert isinstance(written.content, Source) and written.content.path is not None
    assert written.content.path.parent == tmp_path
    carriers = open_asset(written.content, DEFAULT_LIMITS).metadata.label_carriers
    assert [c.parsed.label for c in carriers if c.parsed] == [LABEL]
    assert [p.name for p in tmp_path.iterdir()] == [written.content.path.name]  # nothing else left behind


def test_ogg_vorbis_is_written_again_as_vorbis(tmp_path: Path) -> None:
    from clearmark.media.audio.recode import SourceCodec, encode_like, source_codec

    path = tmp_path / "in.ogg"
    encode_like(speech(12.0), SourceCodec("ogg", "vorbis", RATE, 2, 0, 96_000, (("title", "kept"),)), path)
    written = AudioWriter().write_new(_asset(path.read_bytes()), NEW, WriterSettings(watermark_key=KEY))
    after = source_codec(written.content)  # type: ignore[arg-type]
    assert (after.muxer, after.decoder, after.sample_rate, after.channels) == ("ogg", "vorbis", RATE, 2)
    assert ("title", "kept") in after.tags and AppliedLabel.WATERMARK in written.applied
    carriers = _asset(written.content).metadata.label_carriers  # type: ignore[arg-type]
    assert [c.carrier for c in carriers] == ["vorbis/AIGC"]


def test_audio_longer_than_a_block_is_stamped_in_blocks_with_every_notice_and_the_mark() -> None:
    from clearmark.labels.audio_blocks import block_frames

    rate = 16000
    seconds = block_frames(rate) / rate + 6.0  # one whole block (32.8 s at 16 kHz) and part of the next
    settings = WriterSettings(watermark_key=KEY, audio_notice_positions=("start", "middle", "end"))
    written = AudioWriter().write_new(_asset(encode_audio(speech(seconds, rate), rate, "wav")), NEW, settings)
    assert AppliedLabel.WATERMARK in written.applied and written.notice_positions == ("start", "middle", "end")
    audio = decode_audio(written.content)
    assert audio.samples.shape == (int(seconds * rate), 2)
    clip_s = RhythmStyle().duration_s
    expected = [0.05, (seconds - clip_s) / 2, seconds - clip_s - 0.05]
    found = [hit.start_s for hit in detect_rhythm(audio.samples, rate)]
    assert found == pytest.approx(expected, abs=0.05)
    tail = audio.samples[-int(20 * rate) :]  # the mark where the second block and the end notice fall
    reading = decode_audio_watermark(tail, rate, KEY)
    assert reading is not None and reading.payload == payload_for_produce_id("CM-AUDIO-W")


def _long_wav(tmp_path: Path) -> Path:
    pcm = (np.arange(400 * 8000, dtype=np.int32) % 2000 - 1000).astype("<i2").tobytes()  # 6.4 MB, 400 s at 8 kHz
    fmt = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    body = b"WAVE" + fmt + _chunk(b"data", pcm)
    path = tmp_path / "long.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


def test_a_wav_past_max_bytes_gets_its_label_written_and_updated_file_to_file(tmp_path: Path) -> None:
    from dataclasses import replace

    from clearmark.core.errors import MediaTooLarge
    from clearmark.media.limits import MIB

    path = _long_wav(tmp_path)
    limits = replace(DEFAULT_LIMITS, max_bytes=1 * MIB)
    asset = open_asset(Source(path=path), limits)
    with pytest.raises(MediaTooLarge):  # the PCM itself is never held whole: the old path would need it
        asset.data  # noqa: B018
    work = tmp_path / "work"
    work.mkdir()
    settings = WriterSettings(work_dir=work)
    new = NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER)
    written = AudioWriter().write_new(asset, new, settings)
    assert isinstance(written.content, Source) and written.content.path is not None
    assert written.content.path.parent == work
    (carrier,) = open_asset(written.content, limits).metadata.label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL
    labelled = open_asset(written.content, limits)
    updated = AudioWriter().update(labelled, carrier, LABEL.with_propagator(PLATFORM, "P-9"), settings)
    assert isinstance(updated.content, Source) and updated.content.path is not None
    (after,) = open_asset(updated.content, limits).metadata.label_carriers
    assert after.parsed is not None and after.parsed.label.propagate_id == "P-9"
    original = path.read_bytes()
    assert updated.content.path.read_bytes().endswith(original[-4096:])  # the PCM, byte for byte
    assert path.read_bytes() == original  # the upload itself is never rewritten


@pytest.mark.parametrize("fmt", ["mp3", "flac"])
def test_an_mp3_or_flac_past_max_bytes_gets_its_label_file_to_file(tmp_path: Path, fmt: str) -> None:
    from dataclasses import replace

    content = encode_audio(speech(6.0), RATE, fmt, metadata={"title": "kept"}) or b""
    path = tmp_path / f"in.{fmt}"
    path.write_bytes(content)
    limits = replace(DEFAULT_LIMITS, max_bytes=len(content) // 2)
    work = tmp_path / "work"
    work.mkdir()
    written = AudioWriter().write_new(
        open_asset(Source(path=path), limits),
        NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER),
        WriterSettings(work_dir=work),
    )
    assert isinstance(written.content, Source) and written.content.path is not None
    (carrier,) = open_asset(written.content, limits).metadata.label_carriers
    assert carrier.standard and carrier.parsed is not None and carrier.parsed.label == LABEL
    assert np.array_equal(decode_audio(written.content.path.read_bytes()).samples, decode_audio(content).samples)


def test_a_wav_past_max_bytes_is_stamped_with_notice_and_mark_in_blocks(tmp_path: Path) -> None:
    from dataclasses import replace

    from clearmark.media.limits import MIB

    path = _long_wav(tmp_path)  # 6.4 MB, 400 s: ten blocks, never whole in memory
    limits = replace(DEFAULT_LIMITS, max_bytes=1 * MIB)
    work = tmp_path / "work"
    work.mkdir()
    new = NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER, notice_text="AI生成", mark_id="CM-long")
    settings = WriterSettings(watermark_key=KEY, work_dir=work)
    written = AudioWriter().write_new(open_asset(Source(path=path), limits), new, settings)
    assert isinstance(written.content, Source) and written.content.path is not None
    assert written.content.path.parent == work
    assert AppliedLabel.EXPLICIT_NOTICE in written.applied
    (carrier,) = open_asset(written.content, limits).metadata.label_carriers
    assert carrier.parsed is not None and carrier.parsed.label == LABEL
    stamped = decode_audio(written.content.path.read_bytes()[: 30 * 16000 + 4096])  # the first 30 s suffice
    assert detect_rhythm(stamped.samples, stamped.sample_rate)
