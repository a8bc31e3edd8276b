"""Interop with exiv2 (through pyexiv2): it reads our TC260:AIGC byte for byte, and we read what it writes.

exiv2 reads no metadata from GIF, and reads but never writes XMP in HEIF/AVIF ("Setting XMP
metadata in BMFF images is not supported"); exiftool covers those (``test_interop_exiftool``).
"""

from __future__ import annotations

import pytest

from clearmark.media import NS_CLEARMARK, NS_DC, NS_TC260
from tests.media.samples import (
    FORMATS,
    LABEL,
    LABEL_JSON,
    PLATFORM_JSON,
    TITLED_XMP,
    read_metadata,
    rgb,
    save,
    with_xmp,
    write_label,
)

pyexiv2 = pytest.importorskip("pyexiv2")


@pytest.fixture(scope="module", autouse=True)
def _tc260_namespace() -> None:
    pyexiv2.registerNs(NS_TC260, "TC260")
    pyexiv2.registerNs(NS_CLEARMARK, "clearmark")


def exiv2_xmp(data: bytes) -> dict[str, object]:
    with pyexiv2.ImageData(data) as image:
        return image.read_xmp()


READS = tuple(fmt for fmt in FORMATS if fmt != "gif")
WRITES = tuple(fmt for fmt in READS if fmt not in ("heif", "avif"))
WEBP_LAYOUTS = {
    "webp-simple-vp8": lambda: save(rgb(), "webp"),
    "webp-simple-vp8l": lambda: save(rgb(), "webp", lossless=True),
}


@pytest.mark.parametrize("name", [*READS, *WEBP_LAYOUTS])
def test_exiv2_reads_what_we_write(name: str) -> None:
    data = WEBP_LAYOUTS[name]() if name in WEBP_LAYOUTS else save(rgb(), name)
    out = write_label(data, LABEL_JSON, extra_properties={(NS_CLEARMARK, "Notice"): "AI生成"})
    xmp = exiv2_xmp(out)
    assert xmp["Xmp.TC260.AIGC"] == LABEL_JSON
    assert xmp["Xmp.clearmark.Notice"] == "AI生成"


@pytest.mark.parametrize("fmt", READS)
def test_exiv2_sees_existing_properties_kept_after_update(fmt: str) -> None:
    data = with_xmp(fmt, TITLED_XMP)
    out = write_label(data, LABEL_JSON)
    out = write_label(out, PLATFORM_JSON)
    xmp = exiv2_xmp(out)
    assert xmp["Xmp.TC260.AIGC"] == PLATFORM_JSON
    assert xmp["Xmp.dc.title"] == {'lang="x-default"': "Sunset"}
    assert xmp["Xmp.xmp.CreatorTool"] == "PaintTool"


@pytest.mark.parametrize("fmt", WRITES)
def test_we_read_what_exiv2_writes_and_update_it_in_place(fmt: str) -> None:
    with pyexiv2.ImageData(save(rgb(), fmt)) as image:
        image.modify_xmp({"Xmp.TC260.AIGC": LABEL_JSON, "Xmp.dc.title": "Exiv2 title"})
        data = image.get_bytes()
    [carrier] = read_metadata(data).label_carriers
    assert carrier.raw_text == LABEL_JSON and carrier.parsed.label == LABEL
    out = write_label(data, PLATFORM_JSON, target=carrier)
    [packet] = read_metadata(out).xmp_packets
    assert packet.document.get(NS_TC260, "AIGC") == PLATFORM_JSON
    assert packet.document.get(NS_DC, "title") == "Exiv2 title"
    assert exiv2_xmp(out)["Xmp.TC260.AIGC"] == PLATFORM_JSON
