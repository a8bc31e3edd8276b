"""The watermark detectors on real files: ClearMark's mark, SD/SDXL's mark, plug-in readers."""

from __future__ import annotations

import io

import numpy as np
import pytest
from bench.watermark.attacks import residual_transplant
from PIL import Image

from clearmark.core.enums import Category, Suggestion
from clearmark.detectors.registry import DetectorContext, build_detectors
from clearmark.detectors.watermark import ExternalWatermarkDetector
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.media.perceptual import image_phash
from clearmark.service.policy import CONTENT_MISMATCH, decide
from clearmark.watermark import ExternalReading, embed_watermark, payload_for_produce_id
from tests.conftest import make_image
from tests.watermark.conftest import KEY, photo

NAMES = ["watermark.clearmark", "watermark.stable_diffusion", "watermark.external"]


def asset_of(image: Image.Image, fmt: str = "PNG", **params: object):
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return open_asset(buffer.getvalue(), MediaLimits())


@pytest.fixture(scope="module")
def host() -> Image.Image:
    return photo(640, 480, seed=31)


def signals_of(asset, context: DetectorContext):
    return [s for d in build_detectors(context, NAMES) for s in d.detect(asset)]


def test_clearmark_payload_is_reported_as_a_registry_key(host: Image.Image) -> None:
    payload = payload_for_produce_id("CM-detector-test")
    asset = asset_of(embed_watermark(host, payload, KEY), "JPEG", quality=80)
    (signal,) = signals_of(asset, DetectorContext(watermark_key=KEY))
    assert signal.kind == "watermark.clearmark"
    assert signal.category_hint is Category.AI_SUSPECTED
    assert signal.attribute("registry_key") == payload.hex() == signal.attribute("payload")
    assert 0.5 < signal.confidence <= 1.0


def test_without_the_key_nothing_is_read(host: Image.Image) -> None:
    asset = asset_of(embed_watermark(host, payload_for_produce_id("x"), KEY))
    assert signals_of(asset, DetectorContext()) == []
    assert signals_of(asset, DetectorContext(watermark_key=b"other key")) == []


def test_key_is_not_in_the_context_repr() -> None:
    assert "secret" not in repr(DetectorContext(watermark_key=b"secret"))


def test_stable_diffusion_mark_is_a_suspicion_with_its_fragility(host: Image.Image) -> None:
    imwatermark = pytest.importorskip("imwatermark")
    host = make_image(640, 480, seed=7)
    encoder = imwatermark.WatermarkEncoder()
    encoder.set_watermark("bits", [int(b) for b in f"{0xB3EC907BB19E:048b}"])
    marked = encoder.encode(np.asarray(host).astype(np.float32), "dwtDct")  # diffusers: RGB in
    asset = asset_of(Image.fromarray(np.clip(np.round(marked), 0, 255).astype(np.uint8)))
    (signal,) = signals_of(asset, DetectorContext(watermark_key=KEY))
    assert signal.kind == "watermark.stable_diffusion"
    assert signal.category_hint is Category.AI_SUSPECTED
    assert signal.attribute("mark") == "sdxl" and signal.attribute("verdict") == "very likely"
    assert int(signal.attribute("matched_bits")) >= 36
    assert "PNG" in signal.attribute("note")


def test_unmarked_image_yields_no_watermark_signal(host: Image.Image) -> None:
    assert signals_of(asset_of(host), DetectorContext(watermark_key=KEY)) == []


def test_external_readers_become_signals(host: Image.Image) -> None:
    class Reader:
        name, version = "videoseal", "1"

        def read(self, image: Image.Image) -> ExternalReading | None:
            return ExternalReading(system="videoseal", confidence=0.8, payload_bits="0110")

    (signal,) = ExternalWatermarkDetector((Reader(),)).detect(asset_of(host))
    assert signal.kind == "watermark.videoseal" and signal.attribute("payload_bits") == "0110"
    assert signal.category_hint is Category.AI_SUSPECTED


def test_a_copied_mark_is_reported_as_a_content_mismatch_not_a_claim(host: Image.Image) -> None:
    payload = payload_for_produce_id("CM-detector-copy")
    stamped = embed_watermark(host, payload, KEY)
    context = DetectorContext(watermark_key=KEY)
    (genuine,) = signals_of(asset_of(stamped, "JPEG", quality=85), context)
    assert genuine.attribute("content_bound") == "true" and genuine.category_hint is Category.AI_SUSPECTED
    assert CONTENT_MISMATCH not in {f.label for f in decide((genuine,)).findings}

    forged = residual_transplant(stamped, photo(640, 480, seed=77), "gauss σ1", 1.0)
    (copied,) = signals_of(asset_of(forged), context)
    assert copied.attribute("registry_key") == payload.hex()  # the mark survived the transplant...
    assert copied.attribute("content_bound") == "false"  # ...but not as a claim about this picture
    assert copied.category_hint is Category.NO_SIGNAL
    assert int(copied.attribute("phash"), 16) == image_phash(forged)
    decision = decide((copied,))
    assert decision.category is not Category.AI_GENERATED and decision.category is Category.NO_SIGNAL
    (finding,) = [f for f in decision.findings if f.label == CONTENT_MISMATCH]
    assert finding.suggestion is Suggestion.REVIEW and "copied mark" in finding.message


def test_a_mark_on_a_uniform_texture_is_neither_a_claim_nor_an_accusation() -> None:
    from bench.watermark.images import bundled, fit

    grass = fit(bundled("grass.png"), 512, 512)
    stamped = embed_watermark(grass, payload_for_produce_id("CM-detector-grass"), KEY)
    (mark,) = signals_of(asset_of(stamped, "JPEG", quality=85), DetectorContext(watermark_key=KEY))
    assert mark.attribute("content_bound") == "undetermined" and mark.category_hint is Category.NO_SIGNAL
    assert "cannot be told" in mark.message and float(mark.attribute("binding_z")) < 4.0
    # No content_mismatch: the registry record's perceptual hash decides (service/registry/evidence).
    assert CONTENT_MISMATCH not in {f.label for f in decide((mark,)).findings}


def test_clearmark_audio_mark_is_a_registry_key_with_its_time() -> None:
    from bench.audio.signals import music_like

    from clearmark.core.kinds import Attr, SignalKind
    from clearmark.detectors.watermark import ClearMarkAudioWatermarkDetector
    from clearmark.media.audio import encode_audio
    from clearmark.watermark import payload_for_produce_id, payload_hex
    from clearmark.watermark.audio import embed_audio_watermark

    key = bytes(range(32))
    host = music_like(4, 12.0, 44100)[:, None] * np.float32(0.4)
    payload = payload_for_produce_id("CM-AUDIO-DETECT")
    marked = encode_audio(embed_audio_watermark(host, 44100, payload, key), 44100, "mp3")
    asset = open_asset(marked or b"", MediaLimits())
    (signal,) = ClearMarkAudioWatermarkDetector(key).detect(asset)
    assert signal.kind == SignalKind.WATERMARK_CLEARMARK
    assert signal.attribute(Attr.REGISTRY_KEY) == payload_hex(payload)
    assert signal.location.time_start_ms is not None
    assert ClearMarkAudioWatermarkDetector(None).detect(asset) == []
    assert ClearMarkAudioWatermarkDetector(bytes(32)).detect(asset) == []
