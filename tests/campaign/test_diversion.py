"""The diversion matcher's windowed vocabulary scan finds exactly what a full automaton pass finds."""

from __future__ import annotations

import json
import random
from pathlib import Path

from clearmark.campaign import CampaignChecker
from clearmark.campaign.views import code_points, contact_view

CORPUS = Path(__file__).parent / "corpus"


def _texts(checker: CampaignChecker) -> list[str]:
    texts = [json.loads(line)["text"] for line in (CORPUS / "adversarial.jsonl").read_text("utf-8").splitlines()]
    rng = random.Random(13)
    words = [w for w in checker.policy().diversion.automaton.keys() if w]
    filler = list("的一是在了有和人这中 abc.xyz/tv123") + ["\x00"]
    for _ in range(300):  # vocabulary words glued, nested and overlapping ("纸飞机" holds "飞机")
        parts = [rng.choice(words) if rng.random() < 0.5 else rng.choice(filler) for _ in range(rng.randint(1, 30))]
        texts.append("".join(parts))
    return texts


def test_windowed_vocabulary_scan_equals_a_full_pass(checker: CampaignChecker) -> None:
    policy = checker.policy()
    matcher = policy.diversion
    for text in _texts(checker):
        view = contact_view(code_points(text), policy.tables).text
        assert list(matcher._vocabulary_matches(view)) == list(matcher.automaton.iter(view)), text


def test_latin_handles_are_whole_words(checker: CampaignChecker) -> None:
    matcher = checker.policy().diversion
    assert [m.group(1) for m in matcher.latin_handles.finditer("vx wx qq")] == ["vx", "wx", "qq"]
    assert list(matcher.latin_handles.finditer("vxa avx qqq")) == []
