"""Real generator outputs (tests/fixtures/generators, see its README) and their documented byte forms.

Each real file is a download from the generator itself, kept byte for byte; each C2PA case signs a
manifest with the claim generator and softwareAgent strings those real files carry. Samsung's Galaxy
cameras, Google's C2PA library and Photoshop sign with strings of their own that must name no
generator.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clearmark.core.enums import Category
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Signal
from clearmark.detectors.aigc_metadata import AigcMetadataDetector
from clearmark.detectors.c2pa_manifest import C2paManifestDetector
from clearmark.detectors.fingerprints import GeneratorFingerprintDetector
from clearmark.detectors.iptc import IptcSourceTypeDetector
from clearmark.detectors.ocr import OcrSettings, shared_ocr_engine
from clearmark.detectors.ocr_notice import OcrNoticeDetector
from clearmark.detectors.registry import DetectorContext, build_detectors
from clearmark.labels.c2pa_manifest import C2paSigning, sign_manifest
from clearmark.media.asset import open_asset
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.service.keys import ensure_dev_signing_material
from tests.detectors.fingerprint_samples import save

FIXTURES = Path(__file__).parents[1] / "fixtures" / "generators"
DETECTORS = (GeneratorFingerprintDetector(), C2paManifestDetector(), IptcSourceTypeDetector(), AigcMetadataDetector())


def signals_of(data: bytes) -> list[Signal]:
    asset = open_asset(data, DEFAULT_LIMITS)
    return [signal for detector in DETECTORS for signal in detector.detect(asset)]


def fingerprint_tools(signals: list[Signal]) -> set[str]:
    return {s.kind.removeprefix("fingerprint.") for s in signals if s.kind.startswith("fingerprint.")}


# (file, generator tools named, other signal kinds that must be there)
REAL_OUTPUTS = [
    ("doubao_gray_1x1_1.png", {"doubao"}, {SignalKind.METADATA_LABEL}),
    ("jimeng_cap_C.png", {"jimeng"}, {SignalKind.METADATA_LABEL}),
    ("chatgpt-license_my.png", {"chatgpt"}, {SignalKind.C2PA_MANIFEST_INVALID}),
    ("firefly-1.png", {"firefly"}, {SignalKind.C2PA_MANIFEST}),
    ("flux-1.jpg", {"flux"}, {SignalKind.C2PA_MANIFEST_INVALID}),
    ("grok-1.jpg", {"grok"}, set()),
    ("mj-1.png", {"midjourney"}, {SignalKind.IPTC_SOURCE_TYPE}),  # XMP in a tEXt chunk (Exiv2)
    ("samsung_black_1.png", {"galaxy_ai"}, {SignalKind.C2PA_MANIFEST_INVALID}),
    # Google's manifest names no generator (see test_google_is_recognised_by_its_source_type).
    ("google-gemini-lady.png", set(), {SignalKind.C2PA_MANIFEST_INVALID}),
]


@pytest.mark.parametrize(("name", "tools", "kinds"), REAL_OUTPUTS, ids=[r[0] for r in REAL_OUTPUTS])
def test_real_outputs_name_their_generator(name: str, tools: set[str], kinds: set[str]) -> None:
    signals = signals_of((FIXTURES / name).read_bytes())
    assert fingerprint_tools(signals) == tools
    assert kinds <= {s.kind for s in signals}
    assert any(s.category_hint is not Category.NO_SIGNAL for s in signals)


@pytest.mark.parametrize(
    ("name", "code", "tool"),
    [
        ("doubao_gray_1x1_1.png", "001191110102MACQD9K64010000", "doubao"),
        ("jimeng_cap_C.png", "00119144030008867405X210001", "jimeng"),
    ],
)
def test_gb45438_producer_code_names_the_service(name: str, code: str, tool: str) -> None:
    (signal,) = GeneratorFingerprintDetector().producer_signals(
        open_asset((FIXTURES / name).read_bytes(), DEFAULT_LIMITS)
    )
    assert signal.kind == f"fingerprint.{tool}"
    assert signal.attribute("matched") == code
    assert signal.attribute("company_code") == code[4:22]
    assert signal.location.carrier == "png:iTXt:XML:com.adobe.xmp"


def test_samsung_galaxy_ai_edit_carries_a_composite_source_and_a_sef_marker() -> None:
    data = (FIXTURES / "samsung_black_1.png").read_bytes()
    signals = signals_of(data)
    manifest = next(s for s in signals if s.kind == SignalKind.C2PA_MANIFEST_INVALID)
    assert "compositeWithTrainedAlgorithmicMedia" in manifest.attribute("digital_source_types")
    assert manifest.category_hint is Category.AI_SUSPECTED  # untrusted/invalid, still a trace
    sef = next(s for s in signals if s.kind == "fingerprint.galaxy_ai")
    assert sef.attribute("gen_ai_type") == "8" and sef.attribute("connector") == "srvg"
    offset, length = sef.location.byte_offset, sef.location.byte_length
    assert offset is not None and length is not None
    assert data[offset + 8 : offset + 16] == b"PEg_Info" and offset > data.rindex(b"IEND")


def test_google_is_recognised_by_its_source_type() -> None:
    # Gemini's manifest: claim generator "Google C2PA Core Generator Library", no softwareAgent; the
    # same library signs plain transcodes (algorithmicallyEnhanced), so only the source type speaks.
    signals = signals_of((FIXTURES / "google-gemini-lady.png").read_bytes())
    manifest = next(s for s in signals if s.kind == SignalKind.C2PA_MANIFEST_INVALID)
    assert "trainedAlgorithmicMedia" in manifest.attribute("digital_source_types")
    assert manifest.category_hint is Category.AI_SUSPECTED


@pytest.fixture(scope="module")
def ocr() -> OcrNoticeDetector:
    return OcrNoticeDetector(shared_ocr_engine(), OcrSettings())


def test_doubao_visible_label_measured_as_verify_would(ocr: OcrNoticeDetector) -> None:
    # Doubao draws 豆包AI生成 bottom right; on this 2048 px square its ink is 67 px tall: 3.3 %, under 5 %.
    signals = ocr.detect(open_asset((FIXTURES / "doubao_gray_1x1_1.png").read_bytes(), DEFAULT_LIMITS))
    notice = next(s for s in signals if s.kind == SignalKind.NOTICE_SEEN)
    assert notice.attribute("text") == "豆包AI生成" and notice.attribute("wording_ok") == "true"
    assert 0.030 <= float(notice.attribute("height_ratio")) <= 0.036
    assert notice.attribute("height_ok") == "false"


def test_doubao_visible_label_found_in_the_default_ocr_mode() -> None:
    # Gated OCR once shrank the gate's 501x258 px region by the frame's 360/2048 factor, losing the label.
    (detector,) = build_detectors(DetectorContext(), [OcrNoticeDetector.name])
    signals = detector.detect(open_asset((FIXTURES / "doubao_gray_1x1_1.png").read_bytes(), DEFAULT_LIMITS))
    assert SignalKind.NOTICE_SEEN in {s.kind for s in signals}


def test_jimeng_wordmark_is_read_but_is_no_notice_wording(ocr: OcrNoticeDetector) -> None:
    # Jimeng's "★ 即梦AI" mark says neither 生成 nor 合成: text seen, no explicit notice.
    signals = ocr.detect(open_asset((FIXTURES / "jimeng_cap_C.png").read_bytes(), DEFAULT_LIMITS))
    assert [s.kind for s in signals] == [SignalKind.OCR_TEXT]
    assert "即梦AI" in signals[0].attribute("ocr_text")


@pytest.fixture(scope="module")
def signing(tmp_path_factory: pytest.TempPathFactory) -> C2paSigning:
    material = ensure_dev_signing_material(tmp_path_factory.mktemp("keys"))
    return C2paSigning(material.cert_chain_pem, material.private_key_pem, material.algorithm)


# (claim generator, softwareAgent, digital source type, format, tools named). Strings as the real files
# carry them: ChatGPT (chatgpt-license_my.png), OpenAI API ("OpenAI-API c2pa-rs/0.28.4",
# metadatacleaner.app/blog/chatgpt-image-metadata), Firefly (firefly-1.png), BFL (flux-1.jpg).
GENERATOR_MANIFESTS = [
    ("ChatGPT", "GPT-4o", "trainedAlgorithmicMedia", "png", {"chatgpt"}),
    ("OpenAI-API c2pa-rs/0.28.4", "GPT-4o", "trainedAlgorithmicMedia", "png", {"chatgpt"}),
    ("Adobe_Firefly", "Adobe Firefly", "trainedAlgorithmicMedia", "jpeg", {"firefly"}),
    ("Black Forest Labs API", "Flux.2", "trainedAlgorithmicMedia", "jpeg", {"flux"}),
    # Not generators: a Galaxy camera capture, Google's library transcoding, Photoshop's own edit
    # ("Adobe_Photoshop/25.1.0 (build …) adobe_c2pa/0.7.6 c2pa-rs/0.25.2", flipbuilder page 100).
    ("Galaxy S25 c2pa-rs/0.62.0", "", "digitalCapture", "jpeg", set()),
    ("Google C2PA Core Generator Library/845274463:845274463", "", "algorithmicallyEnhanced", "png", set()),
    ("Adobe_Photoshop/25.1.0", "Adobe Photoshop 25.1", "digitalCapture", "jpeg", set()),
]


@pytest.mark.parametrize(
    ("claim", "agent", "source", "fmt", "tools"), GENERATOR_MANIFESTS, ids=[m[0] for m in GENERATOR_MANIFESTS]
)
def test_c2pa_claim_generators(
    signing: C2paSigning, claim: str, agent: str, source: str, fmt: str, tools: set[str]
) -> None:
    mime = {"png": "image/png", "jpeg": "image/jpeg"}[fmt]
    signed = sign_manifest(
        save(fmt),
        mime,
        signing,
        action="c2pa.created",
        digital_source_type=source,
        software_agent=agent,
        claim_generator=claim,
        aigc_label=None,
    )
    signals = C2paManifestDetector().detect(open_asset(signed.content, DEFAULT_LIMITS))
    assert fingerprint_tools(signals) == tools
    fields = {s.attribute("field") for s in signals if s.kind.startswith("fingerprint.")}
    assert fields == ({"claim_generator", "softwareAgent"} if tools else set())


@pytest.mark.parametrize("name", ["A.jpg", "cloud.jpg"])
def test_real_photo_editor_files_name_no_generator(name: str) -> None:
    # c2pa-python's fixtures: a Lightroom-edited camera JPEG and a Photoshop file (tests/fixtures/c2pa).
    data = (FIXTURES.parent / "c2pa" / name).read_bytes()
    assert fingerprint_tools(signals_of(data)) == set()
