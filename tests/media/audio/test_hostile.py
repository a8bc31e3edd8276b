"""Hostile audio containers: size bombs, broken ID3 frames, truncation, fuzzing; typed errors, never a crash or hang."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.media.audio.conftest import LABEL

from clearmark.core.errors import ClearMarkError, InvalidMedia, MediaTooLarge
from clearmark.media.audio import AudioLimits, decode_audio, read_audio_labels, write_audio_label


def _riff(*chunks: bytes, declared: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body) if declared is None else declared) + body


def _chunk(chunk_id: bytes, body: bytes, declared: int | None = None) -> bytes:
    size = len(body) if declared is None else declared
    return chunk_id + struct.pack("<I", size) + body + (b"\x00" if len(body) % 2 else b"")


FMT = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))


def test_riff_size_bomb_is_clamped_to_the_file(audio_files: dict[str, bytes]) -> None:
    wav = audio_files["wav"]
    bomb = wav[:4] + struct.pack("<I", 0xFFFFFFFF) + wav[8:]
    assert read_audio_labels(bomb) == ()
    labelled = write_audio_label(bomb, LABEL) or b""
    assert struct.unpack("<I", labelled[4:8])[0] == len(labelled) - 8
    assert decode_audio(labelled).samples.shape == decode_audio(wav).samples.shape


def test_a_chunk_declaring_gigabytes_is_invalid() -> None:
    hostile = _riff(FMT, _chunk(b"LIST", b"INFO", declared=0x7FFFFFF0), _chunk(b"data", b"\x00" * 64))
    with pytest.raises(InvalidMedia, match="past the end"):
        read_audio_labels(hostile)
    with pytest.raises(InvalidMedia):
        write_audio_label(hostile, LABEL)


def test_a_label_chunk_over_the_tag_limit_is_too_large() -> None:
    wav = _riff(FMT, _chunk(b"AIGC", b"{" + b" " * 200 + b"}"), _chunk(b"data", b"\x00" * 64))
    with pytest.raises(MediaTooLarge, match="max_tag_bytes"):
        read_audio_labels(wav, limits=AudioLimits(max_tag_bytes=100))


def test_a_chunk_count_bomb_is_too_large() -> None:
    wav = _riff(FMT, *([_chunk(b"JUNK", b"")] * 20_000), _chunk(b"data", b"\x00" * 64))
    with pytest.raises(MediaTooLarge, match="max_chunks"):
        read_audio_labels(wav)


def test_a_list_info_sub_chunk_running_past_its_list_is_invalid() -> None:
    info = b"INFO" + b"AIGC" + struct.pack("<I", 5000) + b"{}"
    wav = _riff(FMT, _chunk(b"LIST", info), _chunk(b"data", b"\x00" * 64))
    with pytest.raises(InvalidMedia, match="LIST"):
        read_audio_labels(wav)


def test_a_truncated_data_chunk_still_reads_and_is_written_with_its_real_size(audio_files: dict[str, bytes]) -> None:
    labelled = write_audio_label(audio_files["wav"], LABEL) or b""
    cut = labelled[: len(labelled) - 1001]
    assert read_audio_labels(cut)[0].text == LABEL.to_json()
    rewritten = write_audio_label(cut, LABEL) or b""
    assert read_audio_labels(rewritten)[0].text == LABEL.to_json()
    assert decode_audio(rewritten).samples.shape[0] > 0


@pytest.mark.parametrize(
    ("tag", "error"),
    [
        (b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f", MediaTooLarge),  # declares 256 MiB
        (b"ID3\x04\x00\x00\x00\x00\x80\x10", InvalidMedia),  # size not syncsafe
        (b"ID3\x09\x00\x00\x00\x00\x00\x10", InvalidMedia),  # no such version
    ],
    ids=["size-bomb", "not-syncsafe", "bad-version"],
)
def test_broken_id3_headers(audio_files: dict[str, bytes], tag: bytes, error: type[ClearMarkError]) -> None:
    with pytest.raises(error):
        read_audio_labels(tag + b"\x00" * 64 + audio_files["mp3"][10:])


def test_broken_id3_frames_fail_cleanly_or_are_skipped(audio_files: dict[str, bytes]) -> None:
    frames = [
        b"TXXX" + b"\x00\x00\x10\x00" + b"\x00\x00" + b"\x03AIGC\x00{}",  # frame size beyond the tag
        b"TXXX" + b"\x00\x00\x00\x08" + b"\x00\x00" + b"\x09AIGC\x00{}",  # unknown text encoding
        b"TXXX" + b"\x00\x00\x00\x00" + b"\x00\x00",  # empty frame
        b"\xff\xfe\xfd\xfc" + b"\x00\x00\x00\x02" + b"\x00\x00" + b"ab",  # not a frame id
    ]
    for frame in frames:
        tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame
        try:
            entries = read_audio_labels(tag + audio_files["mp3"])
        except InvalidMedia:
            continue
        assert all(entry.text == "{}" for entry in entries)


@pytest.mark.parametrize("name", ["flac", "opus", "mp3", "wav"])
def test_truncated_files_never_crash(audio_files: dict[str, bytes], name: str) -> None:
    labelled = write_audio_label(audio_files[name], LABEL) or b""
    for size in (4, 12, 40, 100, 300, len(labelled) // 2):
        try:
            read_audio_labels(labelled[:size])
        except ClearMarkError:
            pass
        try:
            decode_audio(labelled[:size])
        except ClearMarkError:
            pass


@settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_containers_raise_only_typed_errors(audio_files: dict[str, bytes], data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(audio_files)))
    original = bytearray(audio_files[name])
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, min(len(original) - 1, 4096)))
        original[position] = data.draw(st.integers(0, 255))
    hostile = bytes(original[: data.draw(st.integers(1, len(original)))])
    try:
        read_audio_labels(hostile)
        write_audio_label(hostile, LABEL)
    except ClearMarkError:
        pass
