"""The words of the reports in Chinese and English: one table, looked up by key (data, not code)."""

from __future__ import annotations

from typing import Literal

from clearmark.core.enums import Category, Outcome, Suggestion

Language = Literal["zh-CN", "en"]
LANGUAGES: tuple[Language, ...] = ("zh-CN", "en")
DEFAULT_LANGUAGE: Language = "zh-CN"

_TEXT: dict[str, tuple[str, str]] = {
    # key: (zh-CN, en)
    "title": ("ClearMark 合规核验报告", "ClearMark compliance report"),
    "compliant": ("合规", "COMPLIANT"),
    "non_compliant": ("不合规", "NON-COMPLIANT"),
    "content": ("内容", "Content"),
    "category": ("类别（《办法》第六条）", "Category (Measures Art. 6)"),
    "policy": ("策略版本", "Policy version"),
    "tool": ("工具", "Tool"),
    "generated": ("生成时间", "Generated"),
    "thumbnail": ("缩略图（框出检测到的显式标识）", "Thumbnail (detected notices boxed)"),
    "notice": ("显式标识", "Explicit notice"),
    "notice_text": ("文字", "Text"),
    "glyph_height": ("字高", "Glyph height"),
    "height_ratio": ("占最短边", "Share of shortest side"),
    "source": ("来源", "Source"),
    "no_notice": ("未检测到显式标识", "No explicit notice detected"),
    "metadata": ("隐式标识（元数据）", "Implicit label (metadata)"),
    "field": ("字段", "Field"),
    "value": ("值", "Value"),
    "no_label": ("未发现隐式标识", "No metadata label found"),
    "checks": ("核验项", "Checks"),
    "requirement": ("要求", "Requirement"),
    "outcome": ("结论", "Outcome"),
    "evidence": ("证据", "Evidence"),
    "reference": ("依据", "Reference"),
    "c2pa": ("C2PA 内容凭证", "C2PA Content Credentials"),
    "no_c2pa": ("无 C2PA 清单", "No C2PA manifest"),
    "state": ("验证状态", "Validation state"),
    "signer": ("签名者", "Signer"),
    "issuer": ("签发者", "Issuer"),
    "signed_at": ("签名时间", "Signed at"),
    "no_timestamp": ("无可信时间戳", "no trusted timestamp"),
    "actions": ("操作", "Actions"),
    "agents": ("软件代理", "Software agents"),
    "ingredients": ("成分（来源树）", "Ingredients (provenance tree)"),
    "no_ingredients": ("无成分", "No ingredients"),
    "watermark": ("水印与登记", "Watermark and registry"),
    "no_watermark": ("未检测到水印", "No watermark detected"),
    "registry_key": ("登记键", "Registry key"),
    "resolved": ("登记记录", "Registry record"),
    "found": ("已找到", "found"),
    "not_found": ("未找到", "not found"),
    "binding": ("感知哈希比对", "Perceptual-hash binding"),
    "match": ("一致", "matches"),
    "mismatch": ("不一致：水印可能被复制到其他内容上", "MISMATCH: the mark was probably copied onto other content"),
    "campaign": ("清朗专项核查", "Qinglang campaign checks"),
    "suggestion": ("建议", "Suggestion"),
    "findings": ("发现", "Findings"),
    "none": ("无", "none"),
    "text_excerpt": ("文本摘录", "Text excerpt"),
    "media": ("媒体", "Media"),
    "bytes": ("字节", "bytes"),
    # Batch audits.
    "audit_title": ("ClearMark 批量核验汇总", "ClearMark batch audit summary"),
    "files": ("文件数", "Files"),
    "errors": ("无法核验", "Could not verify"),
    "pass_rate": ("通过率", "Pass rate"),
    "by_requirement": ("各要求通过率", "Pass rate per requirement"),
    "by_producer": ("各生成者合规率", "Compliance per producer"),
    "by_format": ("各格式合规率", "Compliance per format"),
    "checked": ("已核验", "checked"),
    "producer": ("生成者", "Producer"),
    "format": ("格式", "Format"),
    "unlabelled": ("（无标识）", "(no label)"),
}

# Chinese titles of the Verify requirements (the checklist's own titles are English).
# (Pairs, not a dict literal: some requirement ids read like signal kinds, e.g. c2pa.manifest.)
REQUIREMENT_TITLES_ZH: dict[str, str] = dict(
    (
        ("metadata.present", "含有隐式标识（元数据）"),
        ("metadata.single_label", "仅有一个元数据标识"),
        ("metadata.well_formed", "每个 AIGC 值均可解析为七字段 JSON"),
        ("metadata.carrier", "标识位于该格式指南规定的位置"),
        ("metadata.seven_keys", "七个字段齐全且顺序符合标准"),
        ("metadata.string_values", "每个值均为 JSON 字符串"),
        ("metadata.label_value", "Label 为“1”、“2”或“3”"),
        ("metadata.charset", "取值符合附录 E 的字符集"),
        ("metadata.producer_code", "ContentProducer 为 27 位服务提供者编码"),
        ("metadata.produce_id", "写明生成者时必须有 ProduceID"),
        ("metadata.propagator", "传播者字段一致"),
        ("metadata.security_data", "SecurityData 签名可用该方预置的公钥验证"),
        ("metadata.source_type", "IPTC DigitalSourceType 与标识一致"),
        ("c2pa.manifest", "所附 C2PA 清单验证通过"),
        ("c2pa.timestamp", "C2PA 签名带有可信时间戳"),
        ("c2pa.consistency", "C2PA 与 GB 45438 标识对 AI 来源的说法一致"),
        ("watermark.consistency", "隐式水印与元数据标识一致"),
        ("registry.match", "内容所称的登记记录与本服务的登记库相符"),
        ("image.notice.present", "画面中有显式标识"),
        ("image.notice.wording", "显式标识含“人工智能”要素和“生成/合成”要素"),
        ("image.notice.size", "标识文字高度不低于最短边的 5%"),
        ("image.notice.position", "标识位于边缘或角落"),
        ("text.notice.present", "文本中有显式标识"),
        ("text.notice.wording", "显式标识含“人工智能”要素和“生成/合成”要素"),
        ("text.notice.position", "标识位于开头或结尾（或适当的中间位置）"),
        ("audio.notice.present", "音频中有显式标识（节奏提示“短长短短”或语音提示）"),
        ("audio.notice.position", "提示音位于开头（或结尾、适当的中间位置）"),
    )
)


def requirement_title(requirement_id: str, title: str, lang: Language) -> str:
    """A requirement's title in ``lang`` (the checklist's English title when no translation exists)."""
    return REQUIREMENT_TITLES_ZH.get(requirement_id, title) if lang == "zh-CN" else title


_ENUMS: dict[object, tuple[str, str]] = {
    Outcome.PASS: ("通过", "PASS"),
    Outcome.FAIL: ("不通过", "FAIL"),
    Outcome.NOT_APPLICABLE: ("不适用", "NOT APPLICABLE"),
    Outcome.INCONCLUSIVE: ("无法判定", "INCONCLUSIVE"),
    Category.AI_GENERATED: ("AI生成", "AI generated"),
    Category.AI_POSSIBLE: ("可能为AI生成", "possibly AI generated"),
    Category.AI_SUSPECTED: ("疑似AI生成", "suspected AI generated"),
    Category.NO_SIGNAL: ("无AI生成迹象", "no AI signal"),
    Suggestion.PASS: ("通过", "PASS"),
    Suggestion.REVIEW: ("人工复核", "REVIEW"),
    Suggestion.BLOCK: ("拦截", "BLOCK"),
}


def language_of(value: str) -> Language:
    """A supported language from a request's value ("" gives the default, Chinese).

    Raises:
        ValueError: a language this build does not write.
    """
    if not value:
        return DEFAULT_LANGUAGE
    for language in LANGUAGES:
        if value.lower() == language.lower() or value.lower() == language.split("-")[0]:
            return language
    raise ValueError(f"report language must be one of {list(LANGUAGES)}, not {value!r}")


def text(key: str, lang: Language) -> str:
    """One phrase in ``lang``."""
    return _TEXT[key][LANGUAGES.index(lang)]


def enum_text(member: object, lang: Language) -> str:
    """The reader's word for an enum member (its name when the table has none)."""
    words = _ENUMS.get(member)
    return words[LANGUAGES.index(lang)] if words else str(getattr(member, "name", member))
