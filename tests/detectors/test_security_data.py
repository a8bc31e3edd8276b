"""Stamp signs ReservedCode1 when a producer SM2 key is configured; Inspect and Verify check it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from clearmark.core.enums import Outcome
from clearmark.core.kinds import SignalKind
from clearmark.core.security_data import Sm2Signer, Verdict
from clearmark.detectors.registry import DetectorContext
from clearmark.media.formats.png import PNG
from clearmark.media.xmp import NS_TC260, XmpDocument
from clearmark.service.pipelines import (
    PipelineConfig,
    StampJob,
    VerifyJob,
    inspect_content,
    stamp_content,
    verify_content,
)
from tests.conftest import PRODUCER
from tests.core.test_security_data import STEPFUN_RC1, STEPFUN_RC2, _stepfun_security_data

SIGNER = Sm2Signer.generate()


@pytest.fixture(scope="module")
def stamped(png_bytes: bytes) -> bytes:
    config = PipelineConfig(sm2_signer=SIGNER)
    return stamp_content(StampJob("sd-1", "t", png_bytes, PRODUCER), config).content


def _security(inspection) -> list:  # noqa: ANN001
    return [s for s in inspection.signals if s.kind in (SignalKind.SECURITY_DATA, SignalKind.SECURITY_DATA_INVALID)]


def test_stamp_writes_security_data_that_verifies(stamped: bytes) -> None:
    inspection = inspect_content(stamped, PipelineConfig())
    assert inspection.aigc_label is not None and '"TC260PG"' in inspection.aigc_label.reserved_code1
    [signal] = _security(inspection)
    assert signal.attribute("verdict") == Verdict.VERIFIED_EMBEDDED
    assert not [f for f in inspection.findings if f.label.startswith("aigc.security")]


def test_a_pinned_key_proves_origin_in_verify(stamped: bytes) -> None:
    pinned = PipelineConfig(detectors=DetectorContext(sm2_pinned_keys=((PRODUCER, SIGNER.public.spki_hex),)))
    report = verify_content(VerifyJob("v", stamped), pinned)
    assert {c.requirement_id: c.outcome for c in report.checks}["metadata.security_data"] is Outcome.PASS


@pytest.mark.parametrize("pinned_key", [None, "other"])
def test_altered_fields_or_a_foreign_key_are_findings(stamped: bytes, pinned_key: str | None) -> None:
    [span] = [s for s in PNG.read_xmp_packets(stamped) if s.standard]
    document = XmpDocument.parse(span.packet)
    label_json = document.get(NS_TC260, "AIGC")
    assert label_json is not None
    if pinned_key is None:  # someone edits the ProduceID and keeps the producer's signature
        document.set(NS_TC260, "AIGC", label_json.replace('"ProduceID":"CM', '"ProduceID":"XX'))
        pins: tuple[tuple[str, str], ...] = ()
    else:  # the signature is valid, but under a key that is not the producer's
        pins = ((PRODUCER, Sm2Signer.generate().public.spki_hex),)
    tampered = PNG.write_xmp(stamped, document.to_packet())
    config = PipelineConfig(detectors=DetectorContext(sm2_pinned_keys=pins))
    inspection = inspect_content(tampered, config)
    [signal] = _security(inspection)
    assert signal.kind == SignalKind.SECURITY_DATA_INVALID
    assert "aigc.security_data_invalid" in {f.label for f in inspection.findings}
    report = verify_content(VerifyJob("v", tampered), config)
    assert {c.requirement_id: c.outcome for c in report.checks}["metadata.security_data"] is Outcome.FAIL


def test_without_a_key_stamp_leaves_reserved_code1_empty(png_bytes: bytes) -> None:
    out = stamp_content(StampJob("sd-2", "t", png_bytes, PRODUCER), PipelineConfig()).content
    label = inspect_content(out, PipelineConfig()).aigc_label
    assert label is not None and label.reserved_code1 == ""
    assert replace(label, reserved_code1="") == label


def test_a_stepfun_report_is_not_called_forged_for_its_undocumented_reserved_code2() -> None:
    """A Markdown report with the front matter exactly as StepFun ships it (yaml single-quoted JSON):
    ReservedCode1 verifies, ReservedCode2 is unverifiable with its reason, no forgery finding, and
    Verify's signature check is inconclusive rather than failed."""
    produce_id, rc1 = STEPFUN_RC1[1]
    code = "001191310104MACE0YX63918020"
    front = "\n".join(
        [
            "---",
            "AIGC:",
            "  Label: '1'",
            f"  ContentProducer: '{code}'",
            f"  ProduceID: '{produce_id}'",
            f"  ReservedCode1: '{_stepfun_security_data(rc1)}'",
            f"  ContentPropagator: '{code}'",
            f"  PropagateID: '{produce_id}'",
            f"  ReservedCode2: '{_stepfun_security_data(STEPFUN_RC2[produce_id])}'",
            "---",
            "",
            "# 开源RAG基准测试项目深度调研报告",
            "",
            ">  本报告由 阶跃AI 生成 · 2025/08/08 10:31:25",
            "",
            "## 总体概述",
            "",
        ]
    ).encode()
    inspection = inspect_content(front, PipelineConfig())
    verdicts = {s.attribute("field"): (s.kind, s.attribute("verdict")) for s in _security(inspection)}
    assert verdicts == {
        "ReservedCode1": (SignalKind.SECURITY_DATA, Verdict.VERIFIED_EMBEDDED),
        "ReservedCode2": (SignalKind.SECURITY_DATA, Verdict.UNVERIFIABLE),
    }
    [rc2] = [s for s in _security(inspection) if s.attribute("field") == "ReservedCode2"]
    assert "undocumented" in rc2.message and "LabelMataData" in rc2.attribute("reason")
    assert not [f for f in inspection.findings if f.label.startswith("aigc.security")]
    report = verify_content(VerifyJob("stepfun", front), PipelineConfig())
    [check] = [c for c in report.checks if c.requirement_id == "metadata.security_data"]
    assert check.outcome is Outcome.INCONCLUSIVE
    # The auditor reads why: the evidence names the undocumented content, not a forgery.
    assert any("undocumented" in line and "LabelMataData" in line for line in check.evidence), check.evidence
