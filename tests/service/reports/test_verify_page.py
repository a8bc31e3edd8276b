"""The Verify HTML page: self-contained, in Chinese and English, everything a person needs; rendered in Chromium."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from clearmark.core.aigc import AigcLabel
from clearmark.core.signals import ComplianceReport
from clearmark.service.app import ClearMarkApp
from clearmark.service.pipelines import PipelineConfig, VerifyJob, verify_content
from clearmark.service.reports import ReportContext, render_report_html
from tests.service.reports.conftest import Chromium, verify_html


def test_chinese_page_has_every_part(report_app: ClearMarkApp, stamped_png: bytes) -> None:
    response = verify_html(report_app, stamped_png)
    html = response.report.html
    assert re.match(r'<!doctype html>\s*<html lang="zh-CN">', html)
    assert "合规核验报告" in html and 'id="verdict">合规<' in html
    assert 'id="thumbnail"' in html and "data:image/jpeg;base64," in html and "<rect" in html  # boxed notice
    assert "字高" in html and " %" in html  # measured height
    for field in ("ContentProducer", "ProduceID", "PropagateID"):
        assert f"<code>{field}</code>" in html
    assert "metadata.producer_code" in html
    assert "C2PA" in html and "ClearMark DEVELOPMENT signer" in html and "c2pa.created" in html
    assert "登记键" in html and "已找到" in html  # our mark resolved to its registry record
    assert "一致" in html  # the mark binds to its record
    assert "清朗专项核查" in html and "ClearMark 0.1.0" in html and "<time" in html
    assert "@font-face" in html  # the CJK glyphs travel with the page


def test_english_page(report_app: ClearMarkApp, stamped_png: bytes) -> None:
    html = verify_html(report_app, stamped_png, "en").report.html
    assert '<html lang="en">' in html and "ClearMark compliance report" in html and ">COMPLIANT<" in html
    assert "Perceptual-hash binding" in html and "合规核验报告" not in html


def test_page_is_self_contained(report_app: ClearMarkApp, stamped_png: bytes) -> None:
    html = verify_html(report_app, stamped_png).report.html
    # Nothing to fetch: no external script, stylesheet, image or font.
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "<script" not in html and "<link" not in html and "url(http" not in html


def test_unknown_language_is_refused(report_app: ClearMarkApp, stamped_png: bytes) -> None:
    from clearmark.core.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        verify_html(report_app, stamped_png, "fr")


def test_hostile_strings_are_escaped(stamped_png: bytes) -> None:
    report = verify_content(VerifyJob("r", stamped_png), PipelineConfig())
    evil = "<script>alert(1)</script>"
    inspection = replace(report.inspection, aigc_label=AigcLabel("1", evil, evil, "", "", "", ""))
    html = render_report_html(ComplianceReport(inspection, report.checks), ReportContext(lang="en"))
    assert evil not in html and "&lt;script&gt;" in html


def test_text_content_gets_an_excerpt(report_app: ClearMarkApp) -> None:
    text = "AI生成\n这是一段由模型生成的说明文字。\n" * 3
    html = verify_html(report_app, text.encode()).report.html
    assert '<pre class="excerpt">' in html and "这是一段由模型生成的说明文字" in html


def test_rendered_in_chromium(chromium: Chromium, report_app: ClearMarkApp, stamped_png: bytes, tmp_path: Path) -> None:
    for lang, expected in (("zh-CN", "合规核验报告"), ("en", "ClearMark compliance report")):
        page = tmp_path / f"report-{lang}.html"
        page.write_text(verify_html(report_app, stamped_png, lang).report.html, encoding="utf-8")
        shot = chromium.screenshot(page, tmp_path / f"shot-{lang}.png", tmp_path / f"profile-{lang}-1")
        image = Image.open(io.BytesIO(shot.read_bytes()))
        assert image.size == (1000, 1600)
        pixels = np.asarray(image.convert("L"))
        assert pixels.std() > 10 and (pixels < 128).mean() > 0.01  # text and a picture, not a blank page
        dom = chromium.dump_dom(page, tmp_path / f"profile-{lang}-2")
        assert f'lang="{lang}"' in dom and expected in dom
        assert 'id="thumbnail"' in dom and "metadata.present" in dom


def test_every_requirement_has_a_chinese_title(report_app: ClearMarkApp, stamped_png: bytes) -> None:
    from clearmark.media.audio import encode_audio
    from clearmark.notice.audio_rhythm import mix_rhythm
    from clearmark.service.reports.strings import REQUIREMENT_TITLES_ZH

    text_checks = verify_html(report_app, "AI生成\n一段文字。".encode()).report.checks
    with_rhythm, _ = mix_rhythm(np.zeros((16000 * 3, 1), np.float32), 16000)
    audio = verify_html(report_app, encode_audio(with_rhythm, 16000, "flac") or b"").report
    assert "audio.notice.present" in audio.html
    checks = [*verify_html(report_app, stamped_png).report.checks, *text_checks, *audio.checks]
    ids = {c.requirement_id for c in checks}
    assert ids and ids <= set(REQUIREMENT_TITLES_ZH)
    html = verify_html(report_app, stamped_png).report.html
    assert REQUIREMENT_TITLES_ZH["image.notice.size"] in html


def test_page_over_grpc_from_a_worker_process(stub, stamped_png: bytes) -> None:  # type: ignore[no-untyped-def]
    from clearmark.v1 import clearmark_service_pb2 as api

    options = api.VerifyOptions(include_html=True, report_language="en")
    html = stub.Verify(api.VerifyRequest(content=stamped_png, options=options), timeout=60).report.html
    assert '<html lang="en">' in html and 'id="thumbnail"' in html
