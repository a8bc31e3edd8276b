"""What a client claims its content is (ContentHeader kind and MIME type), against what the bytes are.

The sniffed format always wins; a claim that disagrees is a signal, which policy turns into the
``media.claim_mismatch`` finding. (A claimed size or SHA-256 that disagrees is refused at the edge.)
"""

from __future__ import annotations

from dataclasses import dataclass

from clearmark.core.enums import MediaKind
from clearmark.core.kinds import SignalKind
from clearmark.core.signals import Signal
from clearmark.media.asset import Asset
from clearmark.media.registry import format_named


@dataclass(frozen=True)
class ContentClaim:
    """The client's advisory claim; unset parts (UNSPECIFIED, "") claim nothing."""

    kind: MediaKind = MediaKind.MEDIA_KIND_UNSPECIFIED
    mime_type: str = ""

    def __bool__(self) -> bool:
        return self.kind is not MediaKind.MEDIA_KIND_UNSPECIFIED or bool(self.mime_type)


def _essence(mime_type: str) -> str:
    """``type/subtype`` in lower case, parameters (``; charset=...``) dropped."""
    return mime_type.split(";", 1)[0].strip().lower()


def claim_problems(asset: Asset, claim: ContentClaim | None) -> list[str]:
    """Where the claim differs from the sniffed format (a MIME alias of the format is no difference)."""
    if not claim:
        return []
    info = asset.info()
    problems = []
    if claim.kind is not MediaKind.MEDIA_KIND_UNSPECIFIED and claim.kind is not info.kind:
        problems.append(f"kind {claim.kind.name} claimed, the bytes are {info.kind.name}")
    if claim.mime_type and _essence(claim.mime_type) not in format_named(info.format).mime_types:
        problems.append(f"MIME type {claim.mime_type!r} claimed, the bytes are {info.mime_type} ({info.format})")
    return problems


def claim_signals(asset: Asset, claim: ContentClaim | None) -> tuple[Signal, ...]:
    """One ``media.claim_mismatch`` signal when the claim differs from the sniffed format, else none."""
    problems = claim_problems(asset, claim)
    if not problems:
        return ()
    return (
        Signal(
            source="media.sniff",
            kind=SignalKind.CONTENT_CLAIM_MISMATCH,
            confidence=1.0,
            rule_id="media.sniff.claim",
            rule_version="1",
            message=f"the content header's claim differs from the bytes, which win: {'; '.join(problems)}",
            attributes=(("problems", "; ".join(problems)),),
        ),
    )
