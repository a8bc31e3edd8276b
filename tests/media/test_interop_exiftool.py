"""Interop with exiftool (Debian libimage-exiftool-perl): it reads our TC260:AIGC in every image format, and we
read and update in place what it writes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from clearmark.media import NS_CLEARMARK, NS_TC260
from tests.media.samples import FORMATS, LABEL_JSON, PLATFORM_JSON, read_metadata, rgb, save, write_label

EXIFTOOL = shutil.which("exiftool")
pytestmark = pytest.mark.skipif(
    EXIFTOOL is None, reason="exiftool is not installed (scripts/setup.sh test installs it)"
)

# exiftool writes only tags it knows: this config declares the TC260 namespace and its AIGC property.
CONFIG = f"""
%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => {{
        TC260 => {{ SubDirectory => {{ TagTable => 'Image::ExifTool::UserDefined::TC260' }} }},
    }},
);
%Image::ExifTool::UserDefined::TC260 = (
    GROUPS => {{ 0 => 'XMP', 1 => 'XMP-TC260', 2 => 'Image' }},
    NAMESPACE => {{ 'TC260' => '{NS_TC260}' }},
    WRITABLE => 'string',
    AIGC => {{ }},
);
1;
"""


def exiftool(path: Path, *args: str) -> dict[str, str]:
    """exiftool's JSON view of one file's XMP (group-prefixed names), after running ``args`` on it."""
    if args:
        subprocess.run(
            [EXIFTOOL, "-config", str(path.parent / "tc260.config"), "-q", "-overwrite_original", *args, str(path)],
            check=True,
            timeout=60,
        )  # type: ignore[list-item]
    output = subprocess.run(
        [EXIFTOOL, "-j", "-G1", "-XMP:all", "-Warning", str(path)],  # type: ignore[list-item]
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    return json.loads(output)[0]


@pytest.fixture()
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "tc260.config").write_text(CONFIG)
    return tmp_path


@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_what_we_write(fmt: str, workdir: Path) -> None:
    path = workdir / f"labelled.{fmt}"
    path.write_bytes(write_label(save(rgb(), fmt), LABEL_JSON, extra_properties={(NS_CLEARMARK, "Notice"): "AI生成"}))
    seen = exiftool(path)
    assert seen["XMP-TC260:Aigc"] == LABEL_JSON
    assert seen["XMP-clearmark:Notice"] == "AI生成"
    assert "Warning" not in seen, seen["Warning"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_we_read_what_exiftool_writes_and_update_it_in_place(fmt: str, workdir: Path) -> None:
    path = workdir / f"theirs.{fmt}"
    path.write_bytes(save(rgb(), fmt))
    exiftool(path, f"-XMP-TC260:AIGC={LABEL_JSON}", "-XMP-dc:Title=exiftool title")
    [carrier] = read_metadata(path.read_bytes()).label_carriers
    assert carrier.raw_text == LABEL_JSON and carrier.standard
    path.write_bytes(write_label(path.read_bytes(), PLATFORM_JSON, target=carrier))
    seen = exiftool(path)
    assert seen["XMP-TC260:Aigc"] == PLATFORM_JSON
    assert seen["XMP-dc:Title"] == "exiftool title"
    assert "Warning" not in seen, seen["Warning"]
