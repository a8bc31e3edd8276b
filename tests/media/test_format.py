"""format.write_label_file: the container's streaming writer when it has one, else the bytes form within max_bytes;
C2paSupport.size_limit: how large an asset c2pa may hold whole, per format."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.core.errors import MediaTooLarge
from clearmark.media.format import C2paSizeLimit, write_label_file
from clearmark.media.formats.pdf import PdfContainer
from clearmark.media.limits import MediaLimits
from clearmark.media.registry import format_named
from clearmark.media.source import Source
from tests.media.documents.samples import LABEL_JSON, docx_bytes, pdf_bytes


def test_a_streaming_container_writes_file_to_file(tmp_path: Path) -> None:
    source = tmp_path / "in.pdf"
    source.write_bytes(pdf_bytes())
    output = tmp_path / "out.pdf"
    container = PdfContainer()
    assert callable(getattr(container, "write_label_to", None))
    write_label_file(container, Source(path=source), output, LABEL_JSON, limits=MediaLimits(max_bytes=1024))
    assert output.read_bytes().startswith(source.read_bytes())  # never read whole: max_bytes is far below


def test_other_containers_are_written_whole_within_max_bytes(tmp_path: Path) -> None:
    container = format_named("docx").container
    assert container is not None and not hasattr(container, "write_label_to")
    source = tmp_path / "in.docx"
    source.write_bytes(docx_bytes("hello"))
    output = tmp_path / "out.docx"
    write_label_file(container, Source(path=source), output, LABEL_JSON)
    assert output.read_bytes() == container.write_label(source.read_bytes(), LABEL_JSON)
    with pytest.raises(MediaTooLarge):
        write_label_file(container, Source(path=source), output, LABEL_JSON, limits=MediaLimits(max_bytes=100))


def test_c2pa_holds_mp4_and_mov_up_to_their_own_limit_and_other_formats_up_to_max_bytes() -> None:
    mib = 1024 * 1024
    limits = MediaLimits(max_bytes=10 * mib, max_c2pa_whole_asset_bytes=300 * mib)
    for name in ("mp4", "mov"):
        support = format_named(name).c2pa
        assert support is not None and support.memory is not None
        assert support.size_limit(limits) == C2paSizeLimit("max_c2pa_whole_asset_bytes", 300 * mib)
    for name in ("pdf", "wav", "jpeg", "m4a"):  # cost not measured: c2pa stops where whole-file handling does
        support = format_named(name).c2pa
        assert support is not None and support.memory is None
        assert support.size_limit(limits) == C2paSizeLimit("max_media_bytes", 10 * mib)
    assert not C2paSizeLimit("x", 5).exceeded_by(5) and C2paSizeLimit("x", 5).exceeded_by(6)
