"""The writer contract: file outputs go in the caller's work directory; without one, none are made."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.labels.writers import WriterSettings, Written, new_output_file
from clearmark.media.source import Source


def test_new_output_files_are_private_and_inside_the_work_directory(tmp_path: Path) -> None:
    first, second = new_output_file(tmp_path, ".pdf"), new_output_file(tmp_path, ".pdf")
    assert first != second and first.parent == tmp_path == second.parent
    assert first.suffix == ".pdf" and first.stat().st_size == 0
    assert first.stat().st_mode & 0o077 == 0


def test_no_work_directory_means_no_file_outputs() -> None:
    assert WriterSettings().work_dir is None
    with pytest.raises(ValueError, match="work directory"):
        new_output_file(None)


def test_written_content_is_bytes_or_a_file(tmp_path: Path) -> None:
    path = new_output_file(tmp_path)
    assert Written(Source(path=path), ()).content == Source(path=path)
    assert Written(b"small", ()).content == b"small"
