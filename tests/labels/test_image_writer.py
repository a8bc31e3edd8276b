"""The image writer on animations and multi-page files: notice on every frame, mark on the first, timing kept."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import PRODUCER, encode, make_image

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import AppliedLabel
from clearmark.labels.image_writer import ImageWriter
from clearmark.labels.writers import NewLabel, WriterSettings
from clearmark.media import DEFAULT_LIMITS, decode_image, open_asset
from clearmark.watermark import decode_watermark, payload_for_produce_id

KEY = bytes(range(32))
LABEL = AigcLabel("1", PRODUCER, "CM-ANIM-1", "", PRODUCER, "CM-ANIM-1", "")
NEW = NewLabel(LABEL, AppliedLabel.METADATA_PRODUCER, notice_text="AI生成", mark_id="CM-ANIM-1")


def animated(fmt: str) -> bytes:
    frames = [make_image(400, 300, seed) for seed in (1, 2, 3)]
    if fmt == "GIF":
        return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=[50, 100, 150], loop=0)
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:])


@pytest.mark.parametrize("fmt", ["GIF", "TIFF"])
def test_every_frame_gets_the_notice_and_the_first_the_mark(fmt: str) -> None:
    asset = open_asset(animated(fmt), DEFAULT_LIMITS)
    written = ImageWriter().write_new(asset, NEW, WriterSettings(watermark_key=KEY))
    assert written.applied == (AppliedLabel.EXPLICIT_NOTICE, AppliedLabel.WATERMARK, AppliedLabel.METADATA_PRODUCER)
    before, after = asset.image, decode_image(written.content, asset.spec, DEFAULT_LIMITS)
    assert len(after.frames) == len(before.frames) == 2
    assert after.durations_ms == before.durations_ms and after.loop == before.loop
    assert written.notice is not None
    plate = written.notice.plate
    for old, new in zip((before.image, *before.frames), (after.image, *after.frames), strict=True):
        change = np.abs(np.asarray(new, dtype=np.int16) - np.asarray(old, dtype=np.int16)).mean(axis=2)
        inside = change[plate.y : plate.y + plate.height, plate.x : plate.x + plate.width].mean()
        assert inside > 20, "a frame lacks the notice"
    payload = payload_for_produce_id("CM-ANIM-1")
    first = decode_watermark(after.image, KEY)
    assert first is not None and first.payload == payload
    assert all(decode_watermark(frame, KEY) is None for frame in after.frames)
