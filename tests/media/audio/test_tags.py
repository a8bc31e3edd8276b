"""GB 45438 labels in WAV, MP3, FLAC, Ogg and Opus: written once, read back independently, other tags kept,
and the byte forms other implementations write."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import av
import mutagen
import mutagen._riff
import mutagen.id3
import pytest
from tests.media.audio.conftest import LABEL, PLATFORM, PRODUCER, RATE, tone

from clearmark.core.aigc import parse_label_json
from clearmark.core.errors import UnsupportedFormat
from clearmark.media.audio import (
    distinct_labels,
    encode_audio,
    read_audio_labels,
    sniff_audio_container,
    write_audio_label,
)


def riff_chunks(data: bytes) -> list[tuple[str, bytes]]:
    """Top-level chunks and LIST/INFO sub-chunks as mutagen's RIFF parser sees them."""
    riff = mutagen._riff.RiffFile(io.BytesIO(data))
    found = []
    for chunk in riff.root.subchunks():
        if chunk.id == "LIST":
            found += [(f"LIST/{chunk.name}/{sub.id}", sub.read()) for sub in chunk.subchunks()]
        else:
            found.append((chunk.id, chunk.read() if chunk.id != "data" else b""))
    return found


def pyav_tags(data: bytes) -> dict[str, str]:
    """Container and stream metadata as FFmpeg reads it (an independent reader of ID3 and Vorbis comments)."""
    with av.open(io.BytesIO(data)) as container:
        tags = dict(container.metadata)
        tags.update(container.streams.audio[0].metadata)
    return {key.lower(): value for key, value in tags.items()}


def test_sniffing_names_each_container(audio_files: dict[str, bytes]) -> None:
    for name, data in audio_files.items():
        assert sniff_audio_container(io.BytesIO(data)) == name
    assert sniff_audio_container(io.BytesIO(encode_audio(tone(0.2), RATE, "m4a") or b"")) is None


def test_wav_label_is_one_top_level_riff_chunk_read_back_by_mutagen(audio_files: dict[str, bytes]) -> None:
    labelled = write_audio_label(audio_files["wav"], LABEL)
    assert labelled is not None
    chunks = riff_chunks(labelled)
    aigc = [body for chunk_id, body in chunks if chunk_id == "AIGC"]
    assert len(aigc) == 1 and json.loads(aigc[0]) == LABEL.as_ordered_dict()
    assert [chunk_id for chunk_id, _ in chunks].index("AIGC") == 1  # right after fmt, before data
    assert ("LIST/INFO/INAM", b"ClearMark test tone\x00") in chunks  # the title is kept
    assert pyav_tags(labelled)["title"] == "ClearMark test tone"


def test_mp3_label_is_one_txxx_frame_read_back_by_ffmpeg(audio_files: dict[str, bytes]) -> None:
    labelled = write_audio_label(audio_files["mp3"], LABEL)
    assert labelled is not None
    tags = pyav_tags(labelled)
    assert json.loads(tags["aigc"]) == LABEL.as_ordered_dict()
    assert tags["title"] == "ClearMark test tone" and tags["artist"] == "ClearMark"
    assert labelled.count(b"TXXX") == 1


@pytest.mark.parametrize("name", ["flac", "opus"])
def test_vorbis_comment_label_read_back_by_ffmpeg(audio_files: dict[str, bytes], name: str) -> None:
    labelled = write_audio_label(audio_files[name], LABEL)
    assert labelled is not None
    tags = pyav_tags(labelled)
    assert json.loads(tags["aigc"]) == LABEL.as_ordered_dict()
    assert tags["title"] == "ClearMark test tone"
    assert labelled.count(b"AIGC=") == 1


@pytest.mark.parametrize("name", ["wav", "mp3", "flac", "opus"])
def test_a_platform_update_replaces_the_label_in_place_and_keeps_exactly_one(
    audio_files: dict[str, bytes], name: str
) -> None:
    first = write_audio_label(audio_files[name], LABEL)
    updated_label = LABEL.with_propagator(PLATFORM, "PLAT-77")
    second = write_audio_label(first or b"", updated_label)
    entries = read_audio_labels(second or b"")
    assert len(entries) == 1
    parsed = entries[0].parsed
    assert parsed is not None and parsed.label == updated_label
    assert parsed.label.content_producer == PRODUCER


def test_writing_a_path_is_atomic_and_leaves_no_temporary_file(audio_files: dict[str, bytes], tmp_path: Path) -> None:
    source = tmp_path / "in.flac"
    source.write_bytes(audio_files["flac"])
    target = tmp_path / "out.flac"
    assert write_audio_label(source, LABEL, output=target) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.flac", "out.flac"]
    assert read_audio_labels(target)[0].parsed.label == LABEL  # type: ignore[union-attr]
    assert mutagen.File(target)["AIGC"] == [LABEL.to_json()]


def test_unlabelled_files_read_as_empty_and_other_containers_are_refused(audio_files: dict[str, bytes]) -> None:
    for data in audio_files.values():
        assert read_audio_labels(data) == ()
    with pytest.raises(UnsupportedFormat):
        read_audio_labels(encode_audio(tone(0.2), RATE, "m4a") or b"")


# --- Forms written by other implementations, built byte by byte here -----------------------------

OMITEMPTY = {"Label": "1", "ContentProducer": PRODUCER}  # Go's `omitempty` drops the empty fields


def _chunk(chunk_id: bytes, body: bytes) -> bytes:
    return chunk_id + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def test_wav_with_appended_chunk_and_list_info_copy_reads_as_one_label(audio_files: dict[str, bytes]) -> None:
    # gtkit/aigc (Go) appends a top-level AIGC chunk plus a LIST/INFO copy after the data chunk.
    value = json.dumps(OMITEMPTY, separators=(",", ":")).encode()
    wav = audio_files["wav"]
    extra = _chunk(b"AIGC", value) + _chunk(b"LIST", b"INFO" + _chunk(b"AIGC", value))
    other = wav + extra
    other = other[:4] + struct.pack("<I", len(other) - 8) + other[8:]
    entries = read_audio_labels(other)
    assert [entry.carrier for entry in entries] == ["riff/AIGC", "riff/LIST/INFO/AIGC"]
    assert len(distinct_labels(entries)) == 1
    parsed = entries[0].parsed
    assert parsed is not None and parsed.label.label == "1" and parsed.label.produce_id == ""
    # Our write keeps their copy in step instead of leaving two different labels.
    updated = write_audio_label(other, LABEL)
    texts = {entry.carrier: entry.text for entry in read_audio_labels(updated or b"")}
    assert texts == {"riff/AIGC": LABEL.to_json(), "riff/LIST/INFO/AIGC": LABEL.to_json()}
    assert dict(riff_chunks(updated or b""))["LIST/INFO/AIGC"].rstrip(b"\x00") == LABEL.to_json().encode()


def _syncsafe(n: int) -> bytes:
    return bytes([(n >> 21) & 0x7F, (n >> 14) & 0x7F, (n >> 7) & 0x7F, n & 0x7F])


def _id3_tag(major: int, frames: bytes) -> bytes:
    return b"ID3" + bytes([major, 0, 0]) + _syncsafe(len(frames)) + frames


def _txxx(major: int, encoding: int, description: str, value: str) -> bytes:
    if encoding == 1:  # UTF-16 with BOM, NUL-terminated description
        body = b"\x01" + description.encode("utf-16") + b"\x00\x00" + value.encode("utf-16")
    else:
        codec = "utf-8" if encoding == 3 else "latin-1"
        body = bytes([encoding]) + description.encode(codec) + b"\x00" + value.encode(codec)
    size = _syncsafe(len(body)) if major == 4 else struct.pack(">I", len(body))
    return b"TXXX" + size + b"\x00\x00" + body


def _bare_mp3(data: bytes) -> bytes:
    """The MPEG frames of an MP3 with its ID3v2 tag removed."""
    size = 10 + int.from_bytes(bytes(b & 0x7F for b in data[6:10]), "big") if data[:3] == b"ID3" else 0
    return data[size:]


@pytest.mark.parametrize(
    ("major", "encoding", "wrapped"),
    [(4, 3, True), (3, 0, False), (3, 1, True)],
    ids=["v2.4-utf8-wrapped(gtkit)", "v2.3-latin1-bare", "v2.3-utf16-wrapped"],
)
def test_id3_txxx_forms_of_other_writers(
    audio_files: dict[str, bytes], major: int, encoding: int, wrapped: bool
) -> None:
    value = json.dumps({"AIGC": OMITEMPTY} if wrapped else OMITEMPTY, separators=(",", ":"))
    tagged = _id3_tag(major, _txxx(major, encoding, "AIGC", value)) + _bare_mp3(audio_files["mp3"])
    assert mutagen.id3.ID3(io.BytesIO(tagged)).getall("TXXX")[0].text == [value]  # the bytes are well-formed
    entries = read_audio_labels(tagged)
    assert len(entries) == 1 and entries[0].carrier == f"id3v2.{major}/TXXX:AIGC"
    parsed = parse_label_json(entries[0].text)
    assert parsed is not None and parsed.wrapped == wrapped and parsed.label.content_producer == PRODUCER
    # Rewriting keeps the tag's version and leaves one frame.
    rewritten = write_audio_label(tagged, LABEL) or b""
    assert rewritten[3] == major and rewritten.count(b"TXXX") == 1
    assert json.loads(pyav_tags(rewritten)["aigc"]) == LABEL.as_ordered_dict()


def _flac_with_comment(flac: bytes, comments: list[str]) -> bytes:
    """Replace a FLAC file's VORBIS_COMMENT block with one built by hand."""
    vendor = b"handmade"
    body = struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", len(comments))
    for comment in comments:
        raw = comment.encode()
        body += struct.pack("<I", len(raw)) + raw
    offset, blocks, last = 4, [], False
    while not last:
        header = flac[offset]
        last, kind = bool(header & 0x80), header & 0x7F
        length = int.from_bytes(flac[offset + 1 : offset + 4], "big")
        if kind != 4:
            blocks.append((kind, flac[offset + 4 : offset + 4 + length]))
        offset += 4 + length
    blocks.insert(1, (4, body))
    out = b"fLaC"
    for index, (kind, block) in enumerate(blocks):
        out += bytes([kind | (0x80 if index == len(blocks) - 1 else 0)]) + len(block).to_bytes(3, "big") + block
    return out + flac[offset:]


def test_vorbis_comment_keys_are_case_insensitive_and_duplicates_are_reported(audio_files: dict[str, bytes]) -> None:
    value = json.dumps(OMITEMPTY, separators=(",", ":"))
    flac = _flac_with_comment(audio_files["flac"], ["TITLE=kept", f"aigc={value}", f"AIGC={LABEL.to_json()}"])
    assert pyav_tags(flac)["title"] == "kept"
    entries = read_audio_labels(flac)
    assert [entry.text for entry in entries] == [value, LABEL.to_json()]  # a duplicate label: both reported
    fixed = write_audio_label(flac, LABEL) or b""
    assert [entry.text for entry in read_audio_labels(fixed)] == [LABEL.to_json()]
    assert pyav_tags(fixed)["title"] == "kept"
