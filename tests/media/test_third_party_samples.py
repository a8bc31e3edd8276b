"""Files other tools wrote (the c2pa-rs fixture set): sniffed, decoded within limits, labelled and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.core.errors import InvalidMedia
from clearmark.media import NS_XMP, MediaLimits, decode_image, sniff_format
from tests.media.samples import LABEL_JSON, PLATFORM_JSON, read_metadata, write_label

FIXTURES = Path(__file__).parents[1] / "fixtures" / "c2pa"
# name -> (format, width, height, frames or pages)
SAMPLES = {
    "sample1.avif": ("avif", 1204, 800, 1),
    "sample1.heif": ("heif", 1440, 960, 1),
    "test.tiff": ("tiff", 375, 375, 1),
    "MultiPage.tif": ("tiff", 1696, 2175, 5),
    "sample1.gif": ("gif", 135, 135, 90),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_decoded_with_every_frame_or_page(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    fmt, width, height, frames = SAMPLES[name]
    spec = sniff_format(data)
    assert spec.name == fmt
    decoded = decode_image(data, spec, MediaLimits())
    assert (decoded.width, decoded.height, 1 + len(decoded.frames)) == (width, height, frames)


@pytest.mark.parametrize("name", SAMPLES)
def test_labelled_and_updated_in_place(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    out = write_label(data, LABEL_JSON)
    [carrier] = read_metadata(out).label_carriers
    assert carrier.raw_text == LABEL_JSON and carrier.carrier == sniff_format(data).label_carrier
    updated = write_label(out, PLATFORM_JSON, target=carrier)
    assert [c.raw_text for c in read_metadata(updated).label_carriers] == [PLATFORM_JSON]
    # Only metadata changed: the image decodes to the same pixels.
    spec = sniff_format(data)
    assert (
        decode_image(updated, spec, MediaLimits()).image.tobytes()
        == decode_image(data, spec, MediaLimits()).image.tobytes()
    )


def test_photoshop_xmp_in_a_tiff_is_kept() -> None:
    data = (FIXTURES / "test.tiff").read_bytes()
    [before] = read_metadata(data).xmp_packets
    assert before.document is not None and before.document.get(NS_XMP, "CreatorTool") == "Adobe Photoshop CS Windows"
    [after] = read_metadata(write_label(data, LABEL_JSON)).xmp_packets
    assert after.document is not None and after.document.get(NS_XMP, "CreatorTool") == "Adobe Photoshop CS Windows"


def test_the_tiff_bomb_is_invalid_media() -> None:
    bomb = (FIXTURES / "tiff_poc.tiff").read_bytes()
    assert sniff_format(bomb).name == "tiff"
    with pytest.raises(InvalidMedia):
        decode_image(bomb, sniff_format(bomb), MediaLimits())
