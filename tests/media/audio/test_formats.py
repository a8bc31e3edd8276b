"""The audio format modules in the registry: sniffing real files, the container behind each spec, MIME aliases."""

from __future__ import annotations

import pytest
from tests.media.audio.conftest import LABEL

from clearmark.core.enums import MediaKind
from clearmark.media import format_for_mime, sniff_format, supported_formats
from clearmark.media.source import Source

FILES = {"wav": "wav", "mp3": "mp3", "flac": "flac", "opus": "ogg"}


@pytest.mark.parametrize("name", sorted(FILES))
def test_real_files_sniff_to_their_spec_whose_container_writes_and_reads_the_label(
    audio_files: dict[str, bytes], name: str
) -> None:
    spec = sniff_format(audio_files[name])
    assert spec.name == FILES[name] and spec.kind is MediaKind.AUDIO and spec.container is not None
    labelled = spec.container.write_label(audio_files[name], LABEL.to_json())
    assert sniff_format(labelled) is spec
    carriers = spec.container.read_metadata(Source.of(labelled)).label_carriers
    assert [carrier.parsed.label for carrier in carriers if carrier.parsed] == [LABEL]


def test_audio_specs_and_their_mime_aliases() -> None:
    assert {spec.name for spec in supported_formats(MediaKind.AUDIO)} == {"wav", "mp3", "flac", "ogg", "m4a"}
    for mime, name in [("audio/x-wav", "wav"), ("audio/mp3", "mp3"), ("audio/x-flac", "flac"), ("audio/opus", "ogg")]:
        spec = format_for_mime(mime)
        assert spec is not None and spec.name == name
    signed = {spec.name for spec in supported_formats(MediaKind.AUDIO) if spec.signs_c2pa}
    assert signed == {"wav", "mp3", "flac", "m4a"}
