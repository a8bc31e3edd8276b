"""Writes adversarial.jsonl: evasion spellings and diversion patterns with the labels and spans expected.

Run from the worktree root: ``PYTHONPATH=src python tests/campaign/corpus/build_adversarial.py``.
Every case is built by construction (the evasion applied to a known term), so the expected span is
where the evaded term or contact sits in the text; the corpus is deterministic (seeded).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import opencc

OUT = Path(__file__).with_name("adversarial.jsonl")
rng = random.Random(13)
to_traditional = opencc.OpenCC("s2t")

PREFIXES = ["", "最新", "今天看到", "兄弟们，", "有没有人知道", "听说", "刚刚发现"]
SUFFIXES = ["", "，了解一下", "，速来", "！！", "，懂的都懂", "。"]

# (term, label, suggestion of a plain hit)
CJK_TERMS = [
    ("网赌", "content.gambling", "BLOCK"),
    ("赌博", "content.gambling", "BLOCK"),
    ("百家乐", "content.gambling", "BLOCK"),
    ("时时彩", "content.gambling", "BLOCK"),
    ("真人荷官", "content.gambling", "BLOCK"),
    ("博彩", "content.gambling", "BLOCK"),
    ("色情", "content.porn", "BLOCK"),
    ("约炮", "content.porn", "BLOCK"),
    ("裸聊", "content.porn", "BLOCK"),
    ("援交", "content.porn", "BLOCK"),
    ("黄片", "content.porn", "BLOCK"),
    ("成人视频", "content.porn", "BLOCK"),
    ("冰毒", "content.drugs", "BLOCK"),
    ("摇头丸", "content.drugs", "BLOCK"),
    ("海洛因", "content.drugs", "BLOCK"),
    ("代开发票", "content.fake_documents", "BLOCK"),
    ("刻章办证", "content.fake_documents", "BLOCK"),
    ("刷单", "content.water_army", "REVIEW"),
    ("水军", "content.water_army", "REVIEW"),
    ("删帖", "content.extortion", "REVIEW"),
    ("公关费", "content.extortion", "REVIEW"),
    ("负面处理", "content.extortion", "REVIEW"),
    ("包治百病", "content.false_efficacy", "REVIEW"),
    ("祖传秘方", "content.false_efficacy", "REVIEW"),
    ("药到病除", "content.false_efficacy", "REVIEW"),
    ("深夜福利", "content.soft_porn", "REVIEW"),
    ("私密写真", "content.soft_porn", "REVIEW"),
    ("同城约", "content.local_fraud", "REVIEW"),
    ("上门服务", "content.local_fraud", "REVIEW"),
    ("割腕", "content.self_harm", "REVIEW"),
    ("轻生", "content.self_harm", "REVIEW"),
    ("千万别搜", "diversion.bait", "REVIEW"),
    ("看我主页", "diversion.bait", "REVIEW"),
    ("评论区置顶", "diversion.bait", "REVIEW"),
    ("主页有惊喜", "diversion.bait", "REVIEW"),
    ("点我头像", "diversion.bait", "REVIEW"),
]
LATIN_TERMS = [
    ("porn", "content.porn"),
    ("av", "content.porn"),
    ("casino", "content.gambling"),
    ("baccarat", "content.gambling"),
    ("xxx", "content.porn"),
]
# (spelling, term it stands for, label): homophones found through the pinyin view.
HOMOPHONES = [
    ("堵博", "content.gambling"), ("睹博", "content.gambling"), ("网堵", "content.gambling"),
    ("渡博", "content.gambling"), ("博财", "content.gambling"),
    ("涩情", "content.porn"), ("瑟情", "content.porn"), ("约泡", "content.porn"), ("月炮", "content.porn"),
    ("裸撩", "content.porn"), ("螺聊", "content.porn"), ("援胶", "content.porn"), ("黄骗", "content.porn"),
    ("兵毒", "content.drugs"), ("摇头完", "content.drugs"), ("海洛音", "content.drugs"),
]
# Split characters recombined by the radical view.
RADICALS = [
    ("贝者博", "content.gambling"), ("网贝者", "content.gambling"), ("色忄青", "content.porn"),
    ("衤果聊", "content.porn"), ("裸耳卯", "content.porn"), ("约火包", "content.porn"),
    ("纟勺炮", "content.porn"), ("扌爰交", "content.porn"), ("衤果耳卯", "content.porn"),
]
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
SEPARATORS = ["@", "*", "·", " ", "-", "_", "~", "|", "❤", "☆", "#", "/", "、", "♥"]
LATIN_SEPARATORS = ["@", "*", ".", "-", "_", "~", "|", "❤", "·"]
STYLES = {
    "bold": 0x1D41A,
    "italic": 0x1D44E,
    "double_struck": 0x1D552,
    "monospace": 0x1D68A,
    "circled": 0x24D0,
    "sans_bold": 0x1D5EE,
}
CYRILLIC = {"a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у"}

cases: list[dict] = []


def add(technique: str, text: str, expects: list[tuple[str, str, str, str | None]]) -> None:
    """expects: (label, original substring, suggestion, transform that must be reported)."""
    items = []
    for label, span_text, suggestion, transform in expects:
        start = text.index(span_text)
        items.append({"label": label, "span": [start, start + len(span_text)], "text": span_text,
                      "suggestion": suggestion, "transform": transform})
    cases.append({"id": f"adv-{len(cases):04d}", "technique": technique, "text": text, "expect": items})


def frame(core: str) -> str:
    return rng.choice(PREFIXES) + core + rng.choice(SUFFIXES)


def full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def style(s: str, base: int) -> str:
    return "".join(chr(base + ord(c) - ord("a")) if "a" <= c <= "z" else c for c in s)


for term, label, suggestion in CJK_TERMS:
    add("plain", frame(term), [(label, term, suggestion, None)])
    zw = rng.choice(ZERO_WIDTH).join(term)
    add("zero_width", frame(zw), [(label, zw, suggestion, "zero_width")])
    sep = rng.choice(SEPARATORS).join(term)
    add("separator", frame(sep), [(label, sep, suggestion, "separator")])
    trad = to_traditional.convert(term)
    if trad != term:
        add("traditional", frame(trad), [(label, trad, suggestion, "traditional")])
        mixed = rng.choice(SEPARATORS).join(trad)
        add("traditional+separator", frame(mixed), [(label, mixed, suggestion, "traditional")])

for spelling, label in HOMOPHONES:
    add("homophone", frame(spelling), [(label, spelling, "REVIEW", "homophone")])
    trad = to_traditional.convert(spelling)
    add("homophone+traditional", frame(trad), [(label, trad, "REVIEW", "homophone")])

for spelling, label in RADICALS:
    add("radical", frame(spelling), [(label, spelling, "REVIEW", "radical")])

for term, label in LATIN_TERMS:
    for lead, tail in (("watch ", " online"), ("free ", " here"), ("最新", "资源")):
        add("latin_whole_word", f"{lead}{term}{tail}", [(label, term, "BLOCK", None)])
    fw = full_width(term.upper())
    add("width", frame(fw), [(label, fw, "BLOCK", "width")])
    for name, base in STYLES.items():
        styled = style(term, base)
        add(f"style_letter.{name}", f"new {styled} site", [(label, styled, "BLOCK", "style_letter")])
    swapped = "".join(CYRILLIC.get(c, c) for c in term)
    if swapped != term:
        add("confusable", f"best {swapped} videos", [(label, swapped, "BLOCK", "confusable")])
        greek = term.replace("o", "ο").replace("a", "α")
        if greek != term:
            add("confusable", f"top {greek} list", [(label, greek, "BLOCK", "confusable")])
    sep = rng.choice(LATIN_SEPARATORS).join(term)
    add("separator", f"get {sep} now", [(label, sep, "BLOCK", "separator")])
    zw = "\u200b".join(term)
    add("zero_width", f"get {zw} now", [(label, zw, "BLOCK", "zero_width")])

# --- diversion ---------------------------------------------------------------------------------
WECHAT_HANDLES = ["微信", "vx", "VX", "wx", "v信", "薇信", "威信", "徽信", "weixin", "V"]
TRIGGERS = ["加", "加我", "+", "➕", "私聊", "联系", "滴滴", "找我", "add "]
WECHAT_IDS = ["abc_8899", "lily2024x", "wxid_kf1234", "girl-520a", "tom88888", "13812345678"]
for i in range(44):
    trigger, handle, wid = TRIGGERS[i % len(TRIGGERS)], WECHAT_HANDLES[i % len(WECHAT_HANDLES)], WECHAT_IDS[i % 6]
    joiner = rng.choice([" ", ":", "：", "", " : "])
    if handle == "V" or (handle.isascii() and joiner == ""):
        joiner = " "
    if i % 4 == 3:
        wid_text = full_width(wid)
        add("diversion.wechat+width", frame(f"{trigger}{handle}{joiner}{wid_text}"),
            [("diversion.contact.wechat", f"{handle}{joiner}{wid_text}", "BLOCK", "width")])
    else:
        add("diversion.wechat", frame(f"{trigger}{handle}{joiner}{wid}"),
            [("diversion.contact.wechat", f"{handle}{joiner}{wid}", "BLOCK", None)])
for trigger, handle in [("加", "微信"), ("私", "vx"), ("+", "v信"), ("联系", "薇信"), ("滴滴", "wx"), ("加我", "威信")]:
    add("diversion.wechat.no_id", f"想要资源的{trigger}{handle}", [("diversion.contact.wechat", handle, "REVIEW", None)])
for trigger, handle, qid in [("加", "qq", "123456789"), ("+", "扣扣", "87654321"), ("私", "企鹅", "2233445566"),
                             ("联系", "QQ", "10086123"), ("加我", "球球", "99887766"), ("找我", "q", "55566677"),
                             ("加", "抠抠", "12345678"), ("+", "QQ号", "3344556677"), ("滴滴", "蔻蔻", "778899001"),
                             ("加", "Ｑ Ｑ", "66778899")]:
    for joiner in (" ", "："):
        add("diversion.qq", frame(f"{trigger}{handle}{joiner}{qid}"),
            [("diversion.contact.qq", f"{handle}{joiner}{qid}", "BLOCK", None)])
    numerals = "".join("〇一二三四五六七八九"[int(d)] for d in qid)
    add("diversion.qq+numeral", f"{trigger}{handle}{numerals}",
        [("diversion.contact.qq", f"{handle}{numerals}", "BLOCK", "numeral")])
for trigger, handle, tid in [("加", "飞机", "@fly_boss1"), ("联系", "tg", "@deal_888"), ("私", "纸飞机", "vipgirl99"),
                             ("+", "telegram", "@promo_cn"), ("找我", "电报", "@kkk_sales"),
                             ("add ", "TG", "@xyzshop"), ("加", "小飞机", "@mm_2025"), ("滴滴", "TG号", "@boss_a1")]:
    add("diversion.telegram", frame(f"{trigger}{handle} {tid}"),
        [("diversion.contact.telegram", f"{handle} {tid}", "BLOCK", None)])
    add("diversion.telegram.no_id", f"有意{trigger}{handle}详聊", [("diversion.contact.telegram", handle, "REVIEW", None)])
PHONES = ["13812345678", "15900001111", "18688889999", "17712345678", "19911112222", "13600136000"]
for phone in PHONES:
    add("diversion.phone", f"联系{phone}", [("diversion.contact.phone", phone, "BLOCK", None)])
    add("diversion.phone.alone", f"号码是{phone}吗", [("diversion.contact.phone", phone, "REVIEW", None)])
    dashed = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
    add("diversion.phone+separator", f"加我{dashed}", [("diversion.contact.phone", dashed, "BLOCK", None)])
    spaced = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    add("diversion.phone+separator", f"找我 {spaced} 详谈", [("diversion.contact.phone", spaced, "BLOCK", None)])
    chinese = "".join("〇一二三四五六七八九"[int(d)] for d in phone)
    add("diversion.phone+numeral", f"联系{chinese}", [("diversion.contact.phone", chinese, "BLOCK", "numeral")])
    circled = "".join("⓪①②③④⑤⑥⑦⑧⑨"[int(d)] for d in phone)
    add("diversion.phone+numeral", f"加{circled}", [("diversion.contact.phone", circled, "BLOCK", "numeral")])
    dingbat = "".join("⓿❶❷❸❹❺❻❼❽❾"[int(d)] for d in phone)
    add("diversion.phone+numeral", f"滴滴{dingbat}", [("diversion.contact.phone", dingbat, "BLOCK", "numeral")])
    fw = full_width(phone)
    add("diversion.phone+width", f"联系 {fw}", [("diversion.contact.phone", fw, "BLOCK", "width")])
for address in ["kefu88@163.com", "lucky.girl@qq.com", "deal_2025@gmail.com", "vip@shop-abc.cn", "x.y.z@mail.example.org"]:
    add("diversion.email", f"联系邮箱 {address}", [("diversion.contact.email", address, "BLOCK", None)])
    add("diversion.email.alone", f"资料在 {address} 里", [("diversion.contact.email", address, "REVIEW", None)])
    fw = full_width(address)
    add("diversion.email+width", f"加我 {fw}", [("diversion.contact.email", fw, "BLOCK", "width")])
for label_host, dot, suffix in [("abc123", "点", "com"), ("xyz888", " dot ", "net"), ("vipgirl", "(.)", "cn"),
                                ("luck99", "。", "top"), ("win8888", "[.]", "vip"), ("hd520", "【点】", "xyz"),
                                ("bet365x", "·", "com"), ("free-tv", "(dot)", "cc"), ("game777", " 点 ", "me"),
                                ("sexy88", "點", "com"), ("qipai", "dot", "app"), ("happy", "•", "club")]:
    shown = f"{label_host}{dot}{suffix}"
    add("diversion.url.spelled_dot", frame(f"网址 www.{shown}"), [("diversion.url.spelled_dot", shown, "BLOCK", "spelled_dot")])
    fw = full_width(label_host) + dot + full_width(suffix)
    add("diversion.url.spelled_dot+width", f"打开{fw}看看", [("diversion.url.spelled_dot", fw, "BLOCK", "spelled_dot")])
for link in ["t.cn/A6xYz12", "bit.ly/3kRt9Zq", "dwz.cn/abcd12", "url.cn/5Xyz", "tinyurl.com/y7abc9",
             "suo.im/6aBcD", "goo.gl/mAp12", "is.gd/Qw12e", "cutt.ly/zz9Ab", "t.co/AbC123"]:
    add("diversion.url.short_link", f"详情见 {link} 哦", [("diversion.url.short_link", link, "REVIEW", None)])
    fw = full_width(link)
    add("diversion.url.short_link+width", f"戳{fw}", [("diversion.url.short_link", fw, "REVIEW", "width")])
# Two findings in one text.
add("combined", "網賭平台，加vx: lucky888 带你飞", [("content.gambling", "網賭", "BLOCK", "traditional"),
                                                ("diversion.contact.wechat", "vx: lucky888", "BLOCK", None)])
add("combined", "千万别搜！百家乐官网 www点bet99点com", [("diversion.bait", "千万别搜", "REVIEW", None),
                                                ("content.gambling", "百家乐", "BLOCK", None),
                                                ("diversion.url.spelled_dot", "bet99点com", "BLOCK", "spelled_dot")])

OUT.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
print(f"{len(cases)} cases -> {OUT}")
