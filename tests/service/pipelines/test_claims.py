"""A client's kind / MIME claim against the sniffed bytes: aliases agree, real differences are one signal."""

from __future__ import annotations

import pytest
from tests.conftest import encode, make_image

from clearmark.core.enums import MediaKind
from clearmark.core.kinds import SignalKind
from clearmark.media.asset import open_asset
from clearmark.media.limits import MediaLimits
from clearmark.service.pipelines import PipelineConfig, inspect_content
from clearmark.service.pipelines.claims import ContentClaim, claim_problems, claim_signals

JPEG = encode(make_image(64, 48), "JPEG")


@pytest.mark.parametrize(
    "claim",
    [
        None,
        ContentClaim(),
        ContentClaim(MediaKind.IMAGE, "image/jpeg"),
        ContentClaim(MediaKind.IMAGE, "IMAGE/JPEG; q=0.9"),  # case and parameters are not a claim
        ContentClaim(mime_type="image/jpg"),  # an alias other producers send
    ],
)
def test_a_claim_the_bytes_agree_with_says_nothing(claim: ContentClaim | None) -> None:
    asset = open_asset(JPEG, MediaLimits())
    assert claim_problems(asset, claim) == [] and claim_signals(asset, claim) == ()


@pytest.mark.parametrize(
    ("claim", "words"),
    [
        (ContentClaim(MediaKind.VIDEO), ["kind VIDEO claimed, the bytes are IMAGE"]),
        (ContentClaim(mime_type="image/png"), ["'image/png' claimed, the bytes are image/jpeg"]),
        (ContentClaim(MediaKind.TEXT, "text/plain"), ["kind TEXT", "'text/plain' claimed"]),
    ],
)
def test_a_claim_the_bytes_contradict_is_one_signal(claim: ContentClaim, words: list[str]) -> None:
    asset = open_asset(JPEG, MediaLimits())
    (signal,) = claim_signals(asset, claim)
    assert signal.kind == SignalKind.CONTENT_CLAIM_MISMATCH
    assert all(word in signal.message for word in words)


def test_the_sniffed_format_wins_and_the_claim_is_a_finding() -> None:
    inspection = inspect_content(JPEG, PipelineConfig(), claim=ContentClaim(MediaKind.IMAGE, "image/png"))
    assert inspection.media.mime_type == "image/jpeg" and inspection.media.format == "jpeg"
    (finding,) = [f for f in inspection.findings if f.label == "media.claim_mismatch"]
    assert "image/png" in finding.message
