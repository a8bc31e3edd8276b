"""The audio label containers behind the registry's Container protocol."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from tests.media.audio.conftest import LABEL, PLATFORM

from clearmark.core.errors import InvalidRequest, LabelConflict
from clearmark.media.audio.container import AudioLabelContainer
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
