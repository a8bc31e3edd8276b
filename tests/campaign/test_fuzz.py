"""Any text, however hostile, gets verdicts whose every hit points at its own original characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from clearmark.campaign import CampaignChecker, TextItem

checker = CampaignChecker()
# Evasion material mixed with arbitrary Unicode (no lone surrogates: protobuf strings cannot carry them).
PIECES = st.sampled_from(
    ["加", "vx", "微信", "\u200b", "①", "一三八", "網賭", "贝者", "点", "com", "@", "q", " ", "\x00", "ｗｘ", "𝐚𝐯"]
    + ["堵博", "扣扣", "1381234"]
)
TEXTS = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_hits_point_at_their_own_text(texts: list[str]) -> None:
    verdicts = checker.check_each([TextItem(t, f"t{i}") for i, t in enumerate(texts)])
    assert len(verdicts) == len(texts)
    for index, (text, verdict) in enumerate(zip(texts, verdicts, strict=True)):
        for finding in verdict.findings:
            for hit in finding.hits:
                start, end = hit.location.text_start, hit.location.text_end
                assert hit.source == f"t{index}" and 0 <= start < end <= len(text)
                assert text.replace("\x00", " ")[start:end][:200] == hit.text
