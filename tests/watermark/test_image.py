"""ClearMark's image mark: round trip, the issue's attack suite, keys, determinism, unmarked images."""

from __future__ import annotations

import numpy as np
import pytest
from bench.watermark.attacks import ATTACKS, HARD_ATTACKS, stretch
from bench.watermark.images import bundled, fit
from PIL import Image
from tests.watermark.conftest import photo

from clearmark.watermark import (
    WatermarkReading,
    decode_luma,
    decode_watermark,
    embed_watermark,
    mark_for_luma,
    payload_for_produce_id,
)
from clearmark.watermark import image as image_module

PAYLOAD = payload_for_produce_id("CM-test-0001")


def psnr(a: Image.Image, b: Image.Image) -> float:
    x, y = (np.asarray(i.convert("RGB")).astype(np.float64) for i in (a, b))
    return float(10 * np.log10(255.0**2 / np.mean((x - y) ** 2)))


@pytest.fixture(scope="module")
def marked(host: Image.Image, key: bytes) -> Image.Image:
    return embed_watermark(host, PAYLOAD, key)


def test_round_trip(host: Image.Image, marked: Image.Image, key: bytes) -> None:
    assert marked.size == host.size and marked.mode == "RGB"
    assert psnr(host, marked) >= 42.0
    reading = decode_watermark(marked, key)
    assert isinstance(reading, WatermarkReading)
    assert reading.payload == PAYLOAD and reading.bit_errors <= 2
    assert reading.confidence > 0.8 and reading.orientation == 0
    assert reading.scale == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("attack", [name for name in ATTACKS if name != "none"])
def test_survives_attack(attack: str, marked: Image.Image, key: bytes) -> None:
    reading = decode_watermark(ATTACKS[attack](marked), key)
    assert reading is not None and reading.payload == PAYLOAD


def test_geometry_is_reported(marked: Image.Image, key: bytes) -> None:
    cropped = decode_watermark(ATTACKS["crop 90%"](marked), key)
    rotated = decode_watermark(ATTACKS["rotate 2°"](marked), key)
    mirrored = decode_watermark(marked.transpose(Image.Transpose.ROTATE_90), key)
    assert cropped is not None and cropped.scale == pytest.approx(1 / 0.9, rel=0.01)
    assert rotated is not None and abs(rotated.rotation_deg) == pytest.approx(2.0, abs=0.2)
    assert mirrored is not None and mirrored.payload == PAYLOAD and mirrored.orientation != 0


def test_wrong_key_reads_nothing(marked: Image.Image) -> None:
    assert decode_watermark(marked, b"another deployment's key") is None


def test_unmarked_images_read_nothing(key: bytes) -> None:
    rng = np.random.default_rng(9)
    flat = Image.new("RGB", (400, 300), (200, 200, 200))
    noise = Image.fromarray(rng.integers(0, 256, (320, 480, 3), dtype=np.uint8))
    for image in (photo(seed=1), photo(700, 400, seed=2), flat, noise):
        assert decode_watermark(image, key) is None


def test_the_first_pass_fully_decodes_only_lattices_whose_cheap_fold_shows_a_peak(
    key: bytes, marked: Image.Image, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An unmarked picture's lattices are folded cheaply and dropped below _FIRST_FAST_SYNC_Z: only the
    # unedited geometry gets a full fold; a cropped mark's lattice clears it and is decoded.
    decoded: list[np.ndarray] = []
    full_decode = image_module._decode_on_lattice

    def counting(canvas, residual, weight, basis, layout, key_):  # noqa: ANN001, ANN202
        decoded.append(basis)
        return full_decode(canvas, residual, weight, basis, layout, key_)

    monkeypatch.setattr(image_module, "_decode_on_lattice", counting)
    assert decode_watermark(photo(seed=4), key) is None
    assert [basis.tolist() for basis in decoded] == [(np.eye(2) * 64).tolist()]
    decoded.clear()
    reading = decode_watermark(ATTACKS["crop 90%"](marked), key)
    assert reading is not None and reading.payload == PAYLOAD and len(decoded) >= 2


def test_embedding_is_deterministic(host: Image.Image, marked: Image.Image, key: bytes) -> None:
    assert np.array_equal(np.asarray(embed_watermark(host, PAYLOAD, key)), np.asarray(marked))


def test_any_aspect_and_alpha_kept(key: bytes) -> None:
    wide = photo(1200, 300, seed=4).convert("RGBA")
    wide.putalpha(Image.new("L", wide.size, 180))
    marked = embed_watermark(wide, PAYLOAD, key)
    assert marked.mode == "RGBA" and marked.getchannel("A").getextrema() == (180, 180)
    reading = decode_watermark(marked, key)
    assert reading is not None and reading.payload == PAYLOAD


def test_refuses_what_it_cannot_carry(host: Image.Image, key: bytes) -> None:
    with pytest.raises(ValueError):
        embed_watermark(host.resize((255, 400)), PAYLOAD, key)
    with pytest.raises(ValueError):
        embed_watermark(host, b"short", key)
    with pytest.raises(ValueError):
        embed_watermark(host, PAYLOAD, b"")
    assert decode_watermark(host.resize((40, 40)), key) is None


@pytest.mark.parametrize(("x", "y"), [(1.2, 1.0), (1.0, 0.85), (0.85, 1.0), (1.0, 1.2)])
def test_stretched_and_squashed_images_decode(marked: Image.Image, key: bytes, x: float, y: float) -> None:
    reading = decode_watermark(stretch(x=x, y=y)(marked), key)
    assert reading is not None and reading.payload == PAYLOAD


@pytest.mark.parametrize("shear", [0.12, -0.12])
def test_sheared_images_decode(marked: Image.Image, key: bytes, shear: float) -> None:
    # x' = x + shear * y, about the centre; same canvas, corners cut.
    offset = -shear * marked.height / 2
    sheared = marked.transform(
        marked.size, Image.Transform.AFFINE, (1.0, shear, offset, 0.0, 1.0, 0.0), resample=Image.Resampling.BICUBIC
    )
    reading = decode_watermark(sheared, key)
    assert reading is not None and reading.payload == PAYLOAD


def _texture_and_flat(width: int = 640, height: int = 480) -> Image.Image:
    """Left half busy texture, right half a plain wall."""
    rng = np.random.default_rng(12)
    pixels = np.full((height, width), 150.0)
    pixels[:, : width // 2] += rng.normal(0, 30, (height, width // 2))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).convert("RGB")


@pytest.mark.parametrize(
    "image",
    [
        photo(),
        photo(1200, 300, seed=4),
        photo(512, 512, seed=5, noise=25.0),
        _texture_and_flat(),
        Image.new("RGB", (300, 300), (128, 128, 128)),
        Image.new("RGB", (320, 256), (250, 250, 250)),
    ],
    ids=["photo", "wide", "noisy", "half-flat", "grey", "near-white"],
)
def test_psnr_floor_holds_on_every_image(image: Image.Image, key: bytes) -> None:
    assert psnr(image, embed_watermark(image, PAYLOAD, key)) >= 42.0


def test_masking_spends_the_mark_where_the_picture_is_busy(key: bytes) -> None:
    image = _texture_and_flat()
    delta = np.asarray(embed_watermark(image, PAYLOAD, key).convert("L"), np.float64) - np.asarray(
        image.convert("L"), np.float64
    )
    busy, flat = delta[:, 40:280], delta[:, 360:600]
    assert np.sqrt(np.mean(busy**2)) > 2.0 * np.sqrt(np.mean(flat**2)) > 0
    reading = decode_watermark(embed_watermark(image, PAYLOAD, key), key)
    assert reading is not None and reading.payload == PAYLOAD and reading.content_bound


def test_frame_api_marks_a_luma_plane(host: Image.Image, key: bytes) -> None:
    luma = np.asarray(host.convert("L"), dtype=np.float32)
    mark = mark_for_luma(luma, PAYLOAD, key)
    assert mark.shape == luma.shape and mark.dtype == np.float32
    plane = np.clip(np.rint(luma + mark), 0, 255)
    reading = decode_luma(plane, key)
    assert reading is not None and reading.payload == PAYLOAD and reading.content_bound
    assert decode_luma(luma, key) is None
    with pytest.raises(ValueError):
        mark_for_luma(luma[:200], PAYLOAD, key)


def test_fast_fold_agrees_with_fold_on_an_affine_lattice(marked: Image.Image) -> None:
    from clearmark.watermark.image import _canvas, _luma, _rgb_array
    from clearmark.watermark.sync import fold, fold_fast, whiten

    residual = whiten(_canvas(_luma(_rgb_array(stretch(x=1.2, y=0.9)(marked)))))
    basis = np.array([[64 * 1.2 / 0.9, 0.0], [0.0, 64.0]])  # the canvas keeps the short side: y 1, x 1.2/0.9
    exact, fast = fold(residual, basis), fold_fast(residual, basis)
    assert exact.shape == fast.shape == (64, 64)
    assert np.corrcoef(exact.ravel(), fast.ravel())[0, 1] > 0.8


def test_sharpening_a_blunt_lattice_restores_the_sync_peak(marked: Image.Image, key: bytes) -> None:
    from clearmark.watermark.image import _canvas, _luma, _rgb_array
    from clearmark.watermark.pattern import tile_layout
    from clearmark.watermark.sync import align, fold_fast, sharpen_lattice, whiten

    residual = whiten(_canvas(_luma(_rgb_array(stretch(x=1.2)(marked)))))
    spectra = tile_layout(key).sync_spectra
    true = np.array([[64 * 1.2, 0.0], [0.0, 64.0]])
    blunt = true + np.array([[1.5, -0.75], [0.5, -1.25]])
    sharpened = sharpen_lattice(residual, blunt, spectra)
    assert np.abs(sharpened - true).max() < 0.4
    assert align(fold_fast(residual, sharpened), spectra).z > align(fold_fast(residual, blunt), spectra).z + 3


def test_the_wide_search_reads_what_the_first_pass_misses_and_only_when_asked() -> None:
    # ihc at 512² after a crop to 30 % of the area (issue 16): about two tiles a side are left, too
    # few for the autocorrelation's 2-D peaks the first pass tries; the true lattice is among its
    # unrotated ones by scale (3rd here), which only the second pass ranks (by the sync peak). (Until
    # the informed amplitudes were kept within 0.7-1.4, the social chain was this test's case; the
    # first pass now reads it.)
    key = b"wide-search-test-key-0123456789"
    payload = payload_for_produce_id("CM-wide")
    attacked = HARD_ATTACKS["crop 30% area"](embed_watermark(fit(bundled("ihc.png"), 512, 512), payload, key))
    assert decode_watermark(attacked, key) is None
    reading = decode_watermark(attacked, key, wide_search=True)
    assert reading is not None and reading.payload == payload
    assert reading.scale == pytest.approx(1 / np.sqrt(0.3), rel=0.01)


def test_the_wide_search_reads_a_rotated_mark_on_fine_texture() -> None:
    # ihc at 512² after rotate 15° + crop: the lattice is not among the autocorrelation's candidates
    # (issue 16); the similarity search on the median-predicted residual offers it (8 of 8 payloads).
    # Since the informed amplitudes stay within 0.7-1.4 the first pass reads 3 of 9 payloads
    # (this test's former "CM-texture" among them); the other 6 still need this path.
    key = bytes(range(32))
    payload = payload_for_produce_id("CM-robust-0")
    attacked = HARD_ATTACKS["rotate 15°+crop"](embed_watermark(fit(bundled("ihc.png"), 512, 512), payload, key))
    assert decode_watermark(attacked, key) is None
    reading = decode_watermark(attacked, key, wide_search=True)
    assert reading is not None and reading.payload == payload
    assert min(abs(reading.rotation_deg % 90 - 15), abs(reading.rotation_deg % 90 - 75)) < 0.5


@pytest.mark.parametrize("attack", ["crop 30% area", "social chain"])
def test_the_wide_search_reads_grass_after_a_heavy_crop_and_the_social_chain(attack: str) -> None:
    # grass at 1080p (issue 16): after the social chain its lattice (unrotated, x1.25) is 570th of the
    # similarity search's peaks but among the first unrotated ones by scale; after a crop to 30 % the
    # autocorrelation's scale sits 0.35 % off the sync peak (scanned) and the plain fold reads ~43 bit
    # errors of 188, the fold matched to the mark's strength and the host's spectrum ~23.
    key = bytes(range(32))
    payload = payload_for_produce_id("CM-robust-0")
    attacked = HARD_ATTACKS[attack](embed_watermark(fit(bundled("grass.png"), 1920, 1080), payload, key))
    reading = decode_watermark(attacked, key, wide_search=True)
    assert reading is not None and reading.payload == payload
    assert reading.scale == pytest.approx(1.25 if attack == "social chain" else 1 / np.sqrt(0.3), rel=0.01)
