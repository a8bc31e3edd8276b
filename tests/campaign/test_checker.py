"""The checker: batches keep items apart, findings carry spans and transforms, context checks need context."""

from __future__ import annotations

from clearmark.campaign import CampaignChecker, CampaignContext, TextItem
from clearmark.core.enums import Suggestion
from clearmark.core.signals import BoundingBox


def test_batch_items_never_match_across_each_other(checker: CampaignChecker) -> None:
    verdicts = checker.check_each([TextItem("今天去了赌"), TextItem("博物馆"), TextItem("加"), TextItem("vx abc12345")])
    assert [v.suggestion for v in verdicts] == [Suggestion.PASS] * 4


def test_batch_and_single_checks_agree(checker: CampaignChecker) -> None:
    texts = ["加我vx：abc12345", "hello", "網賭平台", "堵博", "I have a video"]
    batch = checker.check_each([TextItem(t) for t in texts])
    single = [checker.check([TextItem(t)]) for t in texts]
    assert [v.findings for v in batch] == [v.findings for v in single]


def test_findings_name_the_source_and_box_of_image_text(checker: CampaignChecker) -> None:
    box = BoundingBox(10, 20, 300, 40)
    verdict = checker.check([TextItem("正文无事"), TextItem("扫码加微信 abc_12345", "ocr", box)])
    (finding,) = verdict.findings
    (hit,) = finding.hits
    assert finding.label == "diversion.contact.wechat" and finding.rule_id == "diversion.patterns.contact.wechat"
    assert hit.source == "ocr" and hit.location.bbox == box and hit.text == "微信 abc_12345"


def test_context_checks_report_not_evaluated_without_context(checker: CampaignChecker) -> None:
    verdict = checker.check([TextItem("突发新闻：某地发生地震")])
    assert set(verdict.not_evaluated) == {"minors.*", "news.*"}
    assert verdict.suggestion is Suggestion.PASS


def test_news_naming_by_an_unlicensed_account_needs_review(checker: CampaignChecker) -> None:
    context = CampaignContext(surface="feed", account_type="self_media", content_type="news")
    verdict = checker.check([TextItem("突发新闻：某地发生地震")], context)
    assert {f.label for f in verdict.findings} == {"news.unlicensed", "news.unsourced"}
    licensed = CampaignContext(
        surface="feed", account_type="news_licensed", content_type="news", declared_source="新华社"
    )
    assert checker.check([TextItem("突发新闻：某地发生地震")], licensed).findings == ()


def test_minors_surfaces_escalate_unsuitable_content(checker: CampaignChecker) -> None:
    text = [TextItem("深夜福利直播")]
    assert checker.check(text, CampaignContext(surface="comment")).findings[-1].label == "content.soft_porn"
    verdict = checker.check(text, CampaignContext(surface="minors_mode"))
    assert "minors.prominent_undesirable" in {f.label for f in verdict.findings}
    assert "minors.*" not in verdict.not_evaluated


def test_a_finding_counts_every_hit_but_reports_the_first_fifty(checker: CampaignChecker) -> None:
    # 60 plain hits, then one written in traditional characters: only 50 hits are reported, but the
    # count and the evasion modifiers come from all 61
    text = "网赌，" * 60 + "網賭"
    (finding,) = [f for f in checker.check([TextItem(text)]).findings if f.label == "content.gambling"]
    assert finding.message.startswith("61 hit(s) of ")
    assert len(finding.hits) == 50 and len(finding.evidence) == 20
    assert [h.location.text_start for h in finding.hits] == [3 * i for i in range(50)]
    assert "evasion.traditional" in finding.modifiers
    assert all(h.transforms == () for h in finding.hits)
