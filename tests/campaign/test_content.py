"""Campaign findings survive the trip through signals; OCR lines become texts with boxes."""

from __future__ import annotations

import json

from clearmark.campaign import CampaignChecker, TextItem
from clearmark.campaign.content import _ocr_items, finding_from_signal, finding_signal
from clearmark.core.signals import BoundingBox, Signal


def test_a_finding_round_trips_through_its_signal(checker: CampaignChecker) -> None:
    verdict = checker.check([TextItem("網賭平台"), TextItem("加我vx: abc12345", "ocr", BoundingBox(1, 2, 3, 4))])
    for finding in verdict.findings:
        signal = finding_signal(finding, verdict.policy_version)
        assert signal.kind == "campaign.finding" and signal.rule_version == verdict.policy_version
        back = finding_from_signal(signal)
        assert (back.label, back.rule_id, back.suggestion, back.modifiers) == (
            finding.label, finding.rule_id, finding.suggestion, finding.modifiers
        )
        assert back.hits == finding.hits


def _ocr_signal(lines_json: str, text: str) -> Signal:
    return Signal("explicit.ocr_notice", "ocr.text", 0.9, "ocr.text", "1",
                  attributes=(("lines_json", lines_json), ("ocr_text", text)))


def test_ocr_lines_become_texts_with_boxes() -> None:
    lines = [{"text": "扫码加微信", "bbox": [10, 20, 300, 40], "score": 0.9}]
    (item,) = _ocr_items(_ocr_signal(json.dumps(lines, ensure_ascii=False), "扫码加微信"))
    assert item == TextItem("扫码加微信", "ocr", BoundingBox(10, 20, 300, 40))


def test_truncated_ocr_json_keeps_the_text() -> None:
    items = _ocr_items(_ocr_signal('[{"text": "a", "bbox": [1, 2', "第一行\n第二行"))
    assert [i.text for i in items] == ["第一行", "第二行"] and all(i.bbox is None for i in items)
