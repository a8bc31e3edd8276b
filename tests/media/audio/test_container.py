"""The audio label containers behind the registry's Container protocol."""

from __future__ import annotations

import io
import struct
import tracemalloc
from dataclasses import replace
from pathlib import Path

import mutagen.id3
import numpy as np
import pytest
from tests.media.audio.conftest import LABEL, PLATFORM

from clearmark.core.errors import InvalidMedia, InvalidRequest, LabelConflict, MediaTooLarge
from clearmark.media.audio.container import AudioLabelContainer
from clearmark.media.audio.id3 import id3v2_tag_size
from clearmark.media.format import write_label_file
from clearmark.media.limits import DEFAULT_LIMITS, MIB
from clearmark.media.source import Source


@pytest.mark.parametrize("name", ["wav", "mp3", "flac", "opus"])
def test_write_then_read_metadata_from_bytes_and_from_a_path(
    audio_files: dict[str, bytes], name: str, tmp_path: Path
) -> None:
    container = AudioLabelContainer(name)
    labelled = container.write_label(audio_files[name], LABEL.to_json(wrapped=True))
    path = tmp_path / f"labelled.{name}"
    path.write_bytes(labelled)
    for source in (Source.of(labelled), Source.of(path)):
        carriers = container.read_metadata(source).label_carriers
        assert len(carriers) == 1 and carriers[0].standard
        assert carriers[0].raw_text == LABEL.to_json()  # written bare: the carrier is itself named AIGC
        assert carriers[0].parsed is not None and carriers[0].parsed.label == LABEL
    updated = container.write_label(labelled, LABEL.with_propagator(PLATFORM, "P-1").to_json(), target=carriers[0])
    assert container.read_metadata(Source.of(updated)).label_carriers[0].parsed.label.propagate_id == "P-1"  # type: ignore[union-attr]


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def test_two_different_standard_labels_are_a_conflict_and_a_list_info_copy_is_the_same_label(
    audio_files: dict[str, bytes],
) -> None:
    container = AudioLabelContainer("wav")
    wav = audio_files["wav"]
    other = LABEL.with_propagator(PLATFORM, "X").to_json()
    copy = _chunk(b"LIST", b"INFO" + _chunk(b"AIGC", LABEL.to_json().encode()))
    with_copy = wav + _chunk(b"AIGC", LABEL.to_json().encode()) + copy
    with_copy = with_copy[:4] + struct.pack("<I", len(with_copy) - 8) + with_copy[8:]
    carriers = container.read_metadata(Source.of(with_copy)).label_carriers
    assert [carrier.standard for carrier in carriers] == [True]  # an identical copy is the same label
    copy_only = wav + copy
    copy_only = copy_only[:4] + struct.pack("<I", len(copy_only) - 8) + copy_only[8:]
    carriers = container.read_metadata(Source.of(copy_only)).label_carriers
    assert [(carrier.carrier, carrier.standard) for carrier in carriers] == [("riff/LIST/INFO/AIGC", False)]
    duplicate = with_copy + _chunk(b"AIGC", other.encode())
    duplicate = duplicate[:4] + struct.pack("<I", len(duplicate) - 8) + duplicate[8:]
    with pytest.raises(LabelConflict):
        container.write_label(duplicate, LABEL.to_json())


def test_non_labels_and_extra_properties_are_refused(audio_files: dict[str, bytes]) -> None:
    container = AudioLabelContainer("mp3")
    with pytest.raises(InvalidRequest):
        container.write_label(audio_files["mp3"], '{"hello": "world"}')
    with pytest.raises(InvalidRequest):
        container.write_label(audio_files["mp3"], LABEL.to_json(), extra_properties={("ns", "p"): "v"})


# --- write_label_to: file to file, byte-identical to write_label ------------------------------------

UPDATED = LABEL.with_propagator(PLATFORM, "P-2").to_json()


def _containers(name: str) -> AudioLabelContainer:
    return AudioLabelContainer("ogg_vorbis", "opus") if name == "opus" else AudioLabelContainer(name)


def _assert_streams_as_in_memory(
    container: AudioLabelContainer, data: bytes, tmp_path: Path, **kwargs: object
) -> bytes:
    """``write_label_to`` writes exactly what ``write_label`` returns, and it reads back as the one label."""
    source = tmp_path / "in.bin"
    source.write_bytes(data)
    output = tmp_path / "out.bin"
    container.write_label_to(Source.of(source), output, UPDATED, **kwargs)  # type: ignore[arg-type]
    written = output.read_bytes()
    assert written == container.write_label(data, UPDATED, **kwargs)  # type: ignore[arg-type]
    standard = [c for c in container.read_metadata(Source.of(output)).label_carriers if c.standard]
    assert [c.raw_text for c in standard] == [UPDATED]
    assert source.read_bytes() == data
    return written


@pytest.mark.parametrize("name", ["wav", "mp3", "flac", "opus"])
def test_write_label_to_is_byte_identical_to_write_label_with_and_without_a_label(
    audio_files: dict[str, bytes], name: str, tmp_path: Path
) -> None:
    container = _containers(name)
    plain = audio_files[name]
    _assert_streams_as_in_memory(container, plain, tmp_path)
    labelled = container.write_label(plain, LABEL.to_json())
    target = container.read_metadata(Source.of(labelled)).label_carriers[0]
    _assert_streams_as_in_memory(container, labelled, tmp_path, target=target)


def _riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _wav_chunks(wav: bytes) -> list[bytes]:
    chunks, offset = [], 12
    while offset + 8 <= len(wav):
        size = struct.unpack("<I", wav[offset + 4 : offset + 8])[0]
        end = offset + 8 + size + (size & 1)
        chunks.append(wav[offset:end])
        offset = end
    return chunks


def test_a_wav_label_and_its_list_info_copy_are_replaced_in_step_in_pieces(
    audio_files: dict[str, bytes], tmp_path: Path
) -> None:
    chunks = _wav_chunks(audio_files["wav"])
    info = _chunk(b"LIST", b"INFO" + _chunk(b"INAM", b"tone\x00") + _chunk(b"AIGC", LABEL.to_json().encode() + b"\x00"))
    odd = _chunk(b"junk", b"abc")  # an odd-sized chunk keeps its pad byte
    wav = _riff(chunks[0], _chunk(b"AIGC", LABEL.to_json().encode()), odd, *chunks[1:], info)
    written = _assert_streams_as_in_memory(AudioLabelContainer("wav"), wav, tmp_path)
    carriers = AudioLabelContainer("wav").read_metadata(Source.of(written)).label_carriers
    assert [c.raw_text for c in carriers] == [UPDATED]  # the INFO copy reads as the same label
    assert b"INAM\x05\x00\x00\x00tone\x00" in written and written.count(UPDATED.encode()) == 2
    assert struct.unpack("<I", written[4:8])[0] == len(written) - 8


def test_an_mp3_with_an_id3v2_3_tag_and_an_id3v1_tag_streams_as_in_memory(
    audio_files: dict[str, bytes], tmp_path: Path
) -> None:
    buffer = io.BytesIO(audio_files["mp3"])
    tags = mutagen.id3.ID3(buffer)
    tags.add(mutagen.id3.TPE1(encoding=mutagen.id3.Encoding.LATIN1, text=["An Artist"]))
    buffer.seek(0)
    tags.save(buffer, v2_version=3, v1=mutagen.id3.ID3v1SaveOptions.CREATE)
    mp3 = buffer.getvalue()
    assert mp3[3] == 3 and mp3[-128:-125] == b"TAG"
    written = _assert_streams_as_in_memory(AudioLabelContainer("mp3"), mp3, tmp_path)
    assert written[3] == 3 and written[-128:-125] == b"TAG"
    assert mutagen.id3.ID3(io.BytesIO(written)).getall("TPE1")[0].text == ["An Artist"]


def test_an_mp3_without_any_tag_gets_a_new_one_in_pieces(audio_files: dict[str, bytes], tmp_path: Path) -> None:
    mp3 = audio_files["mp3"]
    bare_audio = mp3[id3v2_tag_size(mp3[:10]) or 0 :]
    written = _assert_streams_as_in_memory(AudioLabelContainer("mp3"), bare_audio, tmp_path)
    assert written.endswith(bare_audio)


def test_a_flac_behind_an_id3_tag_streams_as_in_memory(audio_files: dict[str, bytes], tmp_path: Path) -> None:
    tag = mutagen.id3.ID3()
    tag.add(mutagen.id3.TIT2(encoding=mutagen.id3.Encoding.UTF8, text=["in front"]))
    front = io.BytesIO()
    tag.save(front, v2_version=3)
    flac = front.getvalue() + audio_files["flac"]
    written = _assert_streams_as_in_memory(AudioLabelContainer("flac"), flac, tmp_path)
    assert written.startswith(front.getvalue())


def _big_wav(tmp_path: Path, seconds: int) -> Path:
    pcm = (np.arange(seconds * 8000, dtype=np.int32) % 2000 - 1000).astype("<i2").tobytes()
    fmt = _chunk(b"fmt ", struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16))
    path = tmp_path / "big.wav"
    path.write_bytes(_riff(fmt, _chunk(b"data", pcm)))
    return path


def test_a_wav_past_max_bytes_is_labelled_file_to_file_without_reading_its_data_whole(tmp_path: Path) -> None:
    path = _big_wav(tmp_path, 600)  # 9.6 MB of PCM
    limits = replace(DEFAULT_LIMITS, max_bytes=1 * MIB)
    container = AudioLabelContainer("wav")
    output = tmp_path / "labelled.wav"
    tracemalloc.start()
    try:
        write_label_file(container, Source.of(path), output, LABEL.to_json(), limits=limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < path.stat().st_size // 4
    carriers = container.read_metadata(Source.of(output), limits=limits).label_carriers
    assert [c.raw_text for c in carriers] == [LABEL.to_json()]
    assert output.read_bytes().endswith(path.read_bytes()[-1000:])
    with pytest.raises(MediaTooLarge):  # the whole-file write keeps its limit
        container.write_label(path.read_bytes(), LABEL.to_json(), limits=limits)


def test_ogg_is_written_whole_within_max_bytes(audio_files: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "in.opus"
    source.write_bytes(audio_files["opus"])
    output = tmp_path / "out.opus"
    limits = replace(DEFAULT_LIMITS, max_bytes=len(audio_files["opus"]) - 1)
    with pytest.raises(MediaTooLarge):
        _containers("opus").write_label_to(Source.of(source), output, LABEL.to_json(), limits=limits)
    assert not output.exists()


def test_a_refused_streaming_write_leaves_no_output(audio_files: dict[str, bytes], tmp_path: Path) -> None:
    container = AudioLabelContainer("wav")
    chunks = _wav_chunks(audio_files["wav"])
    two = _riff(*chunks, _chunk(b"AIGC", LABEL.to_json().encode()), _chunk(b"AIGC", UPDATED.encode()))
    source = tmp_path / "two.wav"
    source.write_bytes(two)
    output = tmp_path / "out.wav"
    with pytest.raises(LabelConflict):
        container.write_label_to(Source.of(source), output, LABEL.to_json())
    with pytest.raises(InvalidRequest):
        container.write_label_to(Source.of(source), output, LABEL.to_json(), extra_properties={("ns", "p"): "v"})
    assert list(tmp_path.iterdir()) == [source]


def test_a_flac_whose_comment_block_size_lies_is_written_whole_or_refused(
    audio_files: dict[str, bytes], tmp_path: Path
) -> None:
    flac = bytearray(AudioLabelContainer("flac").write_label(audio_files["flac"], LABEL.to_json()))
    offset = 4
    while True:  # find the Vorbis comment block and declare it 4 bytes longer than it is
        kind, size = flac[offset] & 0x7F, int.from_bytes(flac[offset + 1 : offset + 4], "big")
        if kind == 4:
            flac[offset + 1 : offset + 4] = (size + 4).to_bytes(3, "big")
            break
        offset += 4 + size
    _assert_streams_as_in_memory(AudioLabelContainer("flac"), bytes(flac), tmp_path)  # mutagen reads it by content
    source = tmp_path / "lying.flac"
    source.write_bytes(bytes(flac))
    output = tmp_path / "out.flac"
    limits = replace(DEFAULT_LIMITS, max_bytes=len(flac) - 1)
    with pytest.raises(InvalidMedia):  # past max_bytes it cannot be written whole, and is not written misaligned
        AudioLabelContainer("flac").write_label_to(Source.of(source), output, UPDATED, limits=limits)
    assert not output.exists()
