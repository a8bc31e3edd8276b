"""Campaign text checks against a bare pyahocorasick scan of the same text and patterns, measured in the same run.

``python -m bench.run campaign``: 10 MB of mixed Chinese/English text against a 20,000-rule pack,
and 10,000 comments in one batch call. The reference builds one ``ahocorasick.Automaton`` of the
same 20,000 terms and iterates over the raw text (no views, no diversion patterns, no verdicts).
"""

from __future__ import annotations

import gc
import random

import ahocorasick

from bench.harness import measure, report
from clearmark.campaign import CampaignChecker, TextItem, load_rule_pack
from clearmark.campaign.rules import Rule, RulePack

COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
    "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外"
    "天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者"
)
WORDS = ("market", "report", "delivery", "weather", "price", "school", "travel", "music", "garden", "service")
SENTENCES = (
    "国家统计局发布数据显示，十月份全国居民消费价格同比上涨百分之零点三。",
    "明天下午三点在星巴克见？好的，我到了给你打电话。",
    "纯棉短袖T恤，尺码S到XXL，颜色黑白灰三色可选，支持七天无理由退货。",
    "The train to Shanghai leaves at 8:45 from platform 6; please be on time.",
    "Quarterly revenue rose 12% to 4.5 billion dollars, the company said on Tuesday.",
    "收件人：王伟，地址：上海市浦东新区世纪大道100号1203室，邮编200120。",
    "最新網賭平台，加vx: lucky888 带你飞，千万别搜。",
)


def big_pack(rules: int = 20_000, seed: int = 7) -> RulePack:
    """The starter pack's vocabularies with ``rules`` generated single-term rules (CJK and Latin)."""
    rng = random.Random(seed)
    starter = load_rule_pack()
    terms: set[str] = set()
    while len(terms) < rules:
        if rng.random() < 0.8:
            terms.add("".join(rng.choice(COMMON) for _ in range(rng.randint(3, 5))))
        else:
            terms.add(rng.choice(WORDS) + rng.choice(WORDS) + str(rng.randint(0, 99)))
    generated = tuple(
        Rule(f"bench.{i}", "content.bench", "review", (term,)) for i, term in enumerate(sorted(terms))
    )
    return RulePack("bench", "1", starter.rules + generated, starter.diversion, starter.context, starter.thresholds)


def mixed_text(size_bytes: int = 10 * 1024 * 1024, seed: int = 3) -> str:
    """About ``size_bytes`` of UTF-8: the sentences above and random common-character runs."""
    rng = random.Random(seed)
    parts, size = [], 0
    while size < size_bytes:
        if rng.random() < 0.7:
            part = rng.choice(SENTENCES)
        else:
            part = "".join(rng.choice(COMMON) for _ in range(rng.randint(20, 60))) + "。"
        parts.append(part)
        size += len(part.encode())
    return "\n".join(parts)


def comments(count: int = 10_000, seed: int = 5) -> list[str]:
    """Short comment-like texts (10-60 characters)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        base = rng.choice(SENTENCES)
        start = rng.randint(0, max(0, len(base) - 10))
        out.append(base[start : start + rng.randint(10, 60)])
    return out


def bare_automaton(pack: RulePack) -> ahocorasick.Automaton:
    """The same terms in one plain automaton."""
    automaton = ahocorasick.Automaton()
    for index, rule in enumerate(pack.rules):
        for term in rule.terms:
            automaton.add_word(term, index)
    automaton.make_automaton()
    return automaton


def bare_scan(automaton: ahocorasick.Automaton, text: str) -> int:
    return sum(1 for _ in automaton.iter(text))


def run(repeats: int = 5) -> str:
    """Two tables: 10 MB of text and 10,000 comments, each against the bare scan."""
    pack = big_pack()
    checker = CampaignChecker(pack)
    gc.freeze()  # as a service worker does after start-up (shared_checker): the tables are long-lived
    automaton = bare_automaton(pack)
    text = mixed_text()
    items = [TextItem(text)]
    batch = comments()
    batch_items = [TextItem(c, "comment") for c in batch]
    joined = "\n".join(batch)
    verdict = checker.check(items)
    assert verdict.findings and bare_scan(automaton, text) > 0
    big = measure(
        {
            "campaign check, 10 MB, 20,000 rules": lambda: checker.check(items),
            "bare pyahocorasick iter, same text and terms": lambda: bare_scan(automaton, text),
        },
        repeats=repeats,
        warmup=1,
    )
    small = measure(
        {
            "CheckTexts batch of 10,000 comments (one verdict each)": lambda: checker.check_each(batch_items),
            "bare iter over each comment": lambda: [bare_scan(automaton, c) for c in batch],
            "bare iter over the comments joined": lambda: bare_scan(automaton, joined),
        },
        repeats=repeats,
        warmup=1,
    )
    size = len(text.encode()) / 1024 / 1024
    return report(
        f"Campaign text: {size:.1f} MiB ({len(text):,} characters) against {len(pack.rules):,} rules",
        big,
        [("campaign check, 10 MB, 20,000 rules", "bare pyahocorasick iter, same text and terms")],
    ) + "\n" + report(
        f"Campaign batch: {len(batch):,} comments ({len(joined):,} characters), {len(pack.rules):,} rules",
        small,
        [
            ("CheckTexts batch of 10,000 comments (one verdict each)", "bare iter over each comment"),
            ("CheckTexts batch of 10,000 comments (one verdict each)", "bare iter over the comments joined"),
        ],
    )
