"""Content binding: a genuine mark follows its picture; a transplanted one (the copy attack) does not."""

from __future__ import annotations

import pytest
from bench.watermark.attacks import DENOISERS, HARD_ATTACKS, residual_transplant
from PIL import Image
from tests.conftest import make_image
from tests.watermark.conftest import photo

from clearmark.media.perceptual import image_phash
from clearmark.watermark import claim_holds, decode_watermark, embed_watermark, payload_for_produce_id
from clearmark.watermark.binding import record_agrees

PAYLOAD = payload_for_produce_id("CM-binding-0001")


@pytest.fixture(scope="module")
def stamped(host: Image.Image, key: bytes) -> Image.Image:
    return embed_watermark(host, PAYLOAD, key)


def test_a_genuine_mark_is_bound_to_its_picture(stamped: Image.Image, key: bytes) -> None:
    reading = decode_watermark(stamped, key)
    assert reading is not None and reading.content_bound
    assert reading.binding.agreement > 0.8 and reading.binding.blocks >= 100


@pytest.mark.parametrize("attack", ["jpeg q20", "crop 30% area", "stretch x1.2"])
def test_binding_survives_ordinary_edits(stamped: Image.Image, key: bytes, attack: str) -> None:
    reading = decode_watermark(HARD_ATTACKS[attack](stamped), key)
    assert reading is not None and reading.payload == PAYLOAD and reading.content_bound


@pytest.mark.parametrize("denoiser", list(DENOISERS))
@pytest.mark.parametrize("gain", [1.0, 3.0])
@pytest.mark.parametrize("target", [photo(seed=2), make_image(512, 512, seed=1)], ids=["photo", "gradients"])
def test_a_transplanted_mark_is_never_a_valid_claim(
    stamped: Image.Image, key: bytes, denoiser: str, gain: float, target: Image.Image
) -> None:
    forged = residual_transplant(stamped, target, denoiser, gain)
    reading = decode_watermark(forged, key)
    # The mark itself survives the transplant here (so the test says something), but not as a claim.
    assert reading is not None and reading.payload == PAYLOAD
    assert not reading.content_bound
    assert not claim_holds(reading.content_bound, image_phash(forged), image_phash(stamped))


def test_the_record_hash_vouches_only_for_the_same_picture(stamped: Image.Image) -> None:
    recoded = HARD_ATTACKS["jpeg q20"](stamped)
    assert record_agrees(image_phash(recoded), image_phash(stamped)) is True
    assert record_agrees(image_phash(photo(seed=2)), image_phash(stamped)) is False
    assert record_agrees(image_phash(stamped), None) is None
    assert claim_holds(False, image_phash(recoded), image_phash(stamped))
    assert not claim_holds(False, image_phash(recoded), None)
    assert claim_holds(True, None, None)
