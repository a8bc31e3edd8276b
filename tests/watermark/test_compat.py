"""Marks written by earlier builds still decode: registry records outlive the embedder."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from tests.watermark.conftest import KEY

from clearmark.watermark import decode_watermark, payload_for_produce_id

FIXTURE = Path(__file__).parents[1] / "fixtures" / "watermark" / "stamped-v2-main-15a2415.png"


def test_mark_from_main_15a2415_decodes_and_is_bound() -> None:
    with Image.open(FIXTURE) as image:
        reading = decode_watermark(image, KEY)
    assert reading is not None
    assert reading.payload == payload_for_produce_id("CM-fixture-v2-main")
    assert reading.content_bound


def test_mark_from_main_15a2415_survives_jpeg() -> None:
    buffer = io.BytesIO()
    with Image.open(FIXTURE) as image:
        image.convert("RGB").save(buffer, format="JPEG", quality=60)
    reading = decode_watermark(Image.open(io.BytesIO(buffer.getvalue())), KEY)
    assert reading is not None and reading.payload == payload_for_produce_id("CM-fixture-v2-main")
