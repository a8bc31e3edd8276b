"""The document writer: content in memory stays bytes; a file with a work directory is written file to file."""

from __future__ import annotations

from pathlib import Path

import pikepdf
from tests.media.documents.samples import LABEL, PLATFORM_LABEL, pdf_bytes

from clearmark.core.enums import AppliedLabel
from clearmark.labels.writers import NewLabel, WriterSettings, writer_for
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.source import Source

NEW = NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER, notice_text="AI生成")


def _info(path: Path) -> dict[str, str]:
    with pikepdf.open(path) as pdf:
        return {str(k): str(v) for k, v in pdf.docinfo.items()}


def test_a_file_is_written_into_the_work_directory_leaving_only_the_output(tmp_path: Path) -> None:
    upload, work = tmp_path / "upload.pdf", tmp_path / "work"
    upload.write_bytes(pdf_bytes("page one", "page two"))
    work.mkdir()
    # A whole-file limit below the PDF's size: the writer must never need the bytes.
    asset = open_asset(Source(path=upload), MediaLimits(max_bytes=512))
    written = writer_for(asset.kind).write_new(asset, NEW, WriterSettings(work_dir=work))
    assert isinstance(written.content, Source) and written.content.path is not None
    assert list(work.iterdir()) == [written.content.path]  # the notice step's file is gone
    assert written.applied == (AppliedLabel.EXPLICIT_NOTICE, AppliedLabel.METADATA_PRODUCER)
    assert written.content.head(upload.stat().st_size) == upload.read_bytes()  # incremental updates
    assert _info(written.content.path)["/AIGC"] == LABEL.to_json()
    assert upload.exists()  # the upload is the caller's


def test_an_update_in_place_is_written_file_to_file(tmp_path: Path) -> None:
    upload, work = tmp_path / "upload.pdf", tmp_path / "work"
    work.mkdir()
    stamped = open_asset(pdf_bytes(), MediaLimits())
    labelled = writer_for(stamped.kind).write_new(stamped, NEW, WriterSettings())
    assert isinstance(labelled.content, bytes)  # in memory stays in memory
    upload.write_bytes(labelled.content)
    asset = open_asset(Source(path=upload), MediaLimits())
    (carrier,) = asset.metadata.label_carriers
    written = writer_for(asset.kind).update(asset, carrier, PLATFORM_LABEL, WriterSettings(work_dir=work))
    assert isinstance(written.content, Source) and written.content.path.parent == work
    assert _info(written.content.path)["/AIGC"] == PLATFORM_LABEL.to_json()
