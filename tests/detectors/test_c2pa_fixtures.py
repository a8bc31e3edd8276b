"""Third-party C2PA files: our report agrees with c2pa's own verdict, and Label keeps every producer's manifest.

The fixtures come from c2pa-rs and c2pa-python (see the README beside each set). Nothing here reads
back what ClearMark wrote without c2pa-python's own Reader as the judge.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import c2pa
import pytest

from clearmark.core.enums import Category
from clearmark.core.kinds import SignalKind
from clearmark.detectors.c2pa_manifest import C2paManifestDetector
from clearmark.labels.c2pa_manifest import C2paSigning
from clearmark.media import open_asset
from clearmark.media.c2pa_store import INVALID, VALID, read_manifest_report
from clearmark.media.limits import DEFAULT_LIMITS
from clearmark.service.keys import ensure_dev_signing_material
from clearmark.service.pipelines import LabelJob, PipelineConfig, label_content
from tests.conftest import PLATFORM

FIXTURES = Path(__file__).parents[1] / "fixtures"
THIRD_PARTY = sorted((FIXTURES / "c2pa-rs").glob("*.jpg")) + [FIXTURES / "c2pa" / "C.jpg"]


def c2pa_store(data: bytes, mime: str = "image/jpeg") -> dict:
    with c2pa.Reader(mime, io.BytesIO(data)) as reader:
        return json.loads(reader.json())


@pytest.mark.parametrize("path", THIRD_PARTY, ids=lambda p: p.name)
def test_our_state_is_c2pas_own(path: Path) -> None:
    data = path.read_bytes()
    expected = c2pa_store(data)["validation_state"]
    report = read_manifest_report(data, "image/jpeg")
    assert report is not None
    assert report.store_validation_state == expected
    assert report.validation_state == expected, report.failure_codes


def test_cawg_untrusted_identity_is_valid_as_c2pa_rs_says() -> None:
    report = read_manifest_report((FIXTURES / "c2pa-rs" / "C_with_CAWG_data.jpg").read_bytes(), "image/jpeg")
    assert report is not None and report.validation_state == VALID
    assert "cawg.x509.credential.untrusted" in report.failure_codes


def test_an_invalid_store_with_a_valid_active_manifest_is_a_finding() -> None:
    detector = C2paManifestDetector()
    report = read_manifest_report((FIXTURES / "c2pa-rs" / "CA.jpg").read_bytes(), "image/jpeg")
    assert report is not None
    from dataclasses import replace

    broken = replace(report, store_validation_state=INVALID)
    [signal] = detector.ingredient_failures(broken)
    assert signal.kind == SignalKind.C2PA_INGREDIENT_INVALID
    assert detector.ingredient_failures(report) == []


@pytest.mark.parametrize("name", ["E-sig-CA.jpg", "XCA.jpg"])
def test_an_invalid_ai_manifest_is_still_a_trace(name: str) -> None:
    # C.jpg-derived fixtures declare algorithmicMedia; tampered or not, the declaration is a trace.
    asset = open_asset((FIXTURES / "c2pa-rs" / name).read_bytes(), DEFAULT_LIMITS)
    signals = C2paManifestDetector().detect(asset)
    manifest = next(s for s in signals if s.kind in (SignalKind.C2PA_MANIFEST, SignalKind.C2PA_MANIFEST_INVALID))
    if "algorithmicMedia" in manifest.attribute("digital_source_types"):
        assert manifest.category_hint is Category.AI_SUSPECTED


@pytest.fixture(scope="module")
def signing_config(tmp_path_factory: pytest.TempPathFactory) -> PipelineConfig:
    material = ensure_dev_signing_material(tmp_path_factory.mktemp("keys"))
    return PipelineConfig(
        c2pa_signing=C2paSigning(material.cert_chain_pem, material.private_key_pem, material.algorithm)
    )


VALID_THIRD_PARTY = [p for p in THIRD_PARTY if c2pa_store(p.read_bytes())["validation_state"] != INVALID]


@pytest.mark.parametrize("path", VALID_THIRD_PARTY, ids=lambda p: p.name)
@pytest.mark.parametrize("draws", [True, False], ids=["notice-drawn", "skip-notice"])
def test_label_keeps_the_producers_manifest_as_the_parents_active_manifest(
    path: Path, draws: bool, signing_config: PipelineConfig
) -> None:
    upload = path.read_bytes()
    original = c2pa_store(upload)["active_manifest"]
    job = LabelJob(
        request_id="r1",
        tenant="t",
        content=upload,
        platform_code=PLATFORM,
        user_declared_ai=True,
        skip_visible_notice=not draws,
    )
    outcome = label_content(job, signing_config)
    assert outcome.c2pa_manifest
    store = c2pa_store(outcome.content)
    assert original in store["manifests"], "the producer's manifest left the store"
    active = store["manifests"][store["active_manifest"]]
    [parent] = [i for i in active["ingredients"] if i.get("relationship") == "parentOf"]
    assert parent.get("active_manifest") == original
    codes = json.dumps(store.get("validation_results", {}))
    assert "assertion.dataHash.mismatch" not in codes
