"""QR codes of several sizes, rotations and JPEG qualities decode from cluttered 1080p frames; none invented."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp
from bench.bench_campaign_qr import cluttered_1080p, decoded, jpeg, scenes
from PIL import Image

from clearmark.campaign import CampaignChecker, TextItem
from clearmark.campaign.qrcode import QR_CODES, read_qr_codes
from clearmark.core.enums import Suggestion
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.views import GREY


def test_pasted_codes_decode_at_95_percent() -> None:
    grid = scenes(backgrounds=1, angles=(0, 15, 45, 90), qualities=(90, 50))
    results = [s.payload in decoded(s.content) for s in grid]
    assert len(results) == 32
    assert sum(results) / len(results) >= 0.95


@pytest.mark.parametrize("seed", range(4))
def test_no_code_no_payload(seed: int) -> None:
    assert decoded(jpeg(cluttered_1080p(50 + seed), 85)) == []


def test_box_covers_the_code() -> None:
    code = np.asarray(zxingcpp.create_barcode("https://t.me/spam", zxingcpp.BarcodeFormat.QRCode).to_image(scale=5))
    frame = np.full((600, 800), 255, np.uint8)
    frame[200 : 200 + code.shape[0], 300 : 300 + code.shape[1]] = code
    (found,) = read_qr_codes(frame)
    assert found.payload == "https://t.me/spam"
    box, side = found.bbox, code.shape[0]  # the image includes a 4-module quiet zone around the symbol
    assert 300 <= box.x <= 300 + 25 and 200 <= box.y <= 200 + 25
    assert box.x + box.width <= 300 + side and box.y + box.height <= 200 + side
    assert box.width >= 0.6 * side and box.height >= 0.6 * side


def test_payloads_go_through_the_contact_rules() -> None:
    checker = CampaignChecker()
    card = checker.check([TextItem("https://u.wechat.com/EAbc", "qrcode")])
    link = checker.check([TextItem("https://example.org/promo", "qrcode")])
    text = checker.check([TextItem("加微信 abc_12345", "qrcode")])
    assert card.findings[0].label == "diversion.qrcode.wechat" and card.suggestion is Suggestion.BLOCK
    assert link.findings[0].label == "diversion.qrcode.url" and link.suggestion is Suggestion.REVIEW
    assert text.findings[0].label == "diversion.contact.wechat"


def test_bad_frames_are_refused() -> None:
    with pytest.raises(ValueError, match="uint8"):
        read_qr_codes(np.zeros((10, 10, 3), np.float32))


def test_a_pictures_codes_are_read_once_from_its_grey_plane() -> None:
    code = np.asarray(zxingcpp.create_barcode("https://t.me/spam", zxingcpp.BarcodeFormat.QRCode).to_image(scale=4))
    frame = np.full((480, 640), 255, np.uint8)
    frame[100 : 100 + code.shape[0], 200 : 200 + code.shape[1]] = code
    asset = open_asset(jpeg(Image.fromarray(frame).convert("RGB"), 92), MediaLimits())
    codes = asset.view(QR_CODES)
    assert [c.payload for c in codes] == ["https://t.me/spam"] and asset.view(QR_CODES) is codes
    assert codes == tuple(read_qr_codes(asset.view(GREY)))
