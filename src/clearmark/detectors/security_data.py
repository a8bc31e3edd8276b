"""Detector of TC260 SecurityData in a label's ReservedCode1/2: SM2 signatures checked against pinned keys."""

from __future__ import annotations

from clearmark.core.enums import MediaKind
from clearmark.core.kinds import Attr, SignalKind
from clearmark.core.security_data import SecurityDataError, Sm2PublicKey, Verdict, check_security_data
from clearmark.core.signals import Signal
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset

_MEANING = {
    Verdict.VERIFIED_PINNED: "verified under the key pinned for this party",
    Verdict.VERIFIED_EMBEDDED: "verified under the key it carries (integrity only: no pinned key proves origin)",
    Verdict.FAILED: "does not verify: the signed fields were altered or the signature is forged",
    Verdict.WRONG_KEY: "verifies only under its own key, not the key pinned for this party: possible forgery",
    Verdict.UNSUPPORTED: "uses an algorithm or signed-content selection this build does not check",
    Verdict.UNVERIFIABLE: "cannot be verified: what the signer signed for this field is undocumented",
}
_BAD = frozenset({Verdict.FAILED, Verdict.WRONG_KEY})


class SecurityDataDetector:
    """Checks every label's SecurityData; a failed or foreign-key signature is a finding."""

    name = "gb45438.security_data"
    version = "1"
    kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.TEXT, MediaKind.DOCUMENT, MediaKind.AUDIO})

    def __init__(self, pinned: dict[str, Sm2PublicKey]) -> None:
        self.pinned = pinned

    def detect(self, asset: Asset) -> list[Signal]:
        signals = []
        for carrier in asset.metadata.label_carriers:
            if carrier.parsed is None:
                continue
            for field in ("ReservedCode1", "ReservedCode2"):
                check = check_security_data(carrier.parsed.label, field, self.pinned)
                if check is None:
                    continue
                signals.append(
                    Signal(
                        source=self.name,
                        kind=SignalKind.SECURITY_DATA_INVALID if check.verdict in _BAD else SignalKind.SECURITY_DATA,
                        confidence=1.0,
                        rule_id="tc260.pg202511a",
                        rule_version=self.version,
                        location=carrier.location,
                        message=f"{field} SecurityData {_MEANING[check.verdict]}"
                        + (f" ({check.reason})" if check.reason else ""),
                        attributes=(
                            (Attr.CARRIER, carrier.carrier),
                            ("field", field),
                            ("verdict", check.verdict.value),
                            ("key", check.key_hex),
                            ("signed_form", check.form),
                        )
                        + ((("reason", check.reason),) if check.reason else ()),
                    )
                )
        return signals


def pinned_keys(context: DetectorContext) -> dict[str, Sm2PublicKey]:
    """The configured party code -> SM2 key table (a malformed key fails start-up clearly)."""
    keys = {}
    for code, key_hex in context.sm2_pinned_keys:
        try:
            keys[code] = Sm2PublicKey.from_hex(key_hex)
        except SecurityDataError as error:
            raise SecurityDataError(f"pinned SM2 key for {code}: {error.message}") from None
    return keys


@register_detector(SecurityDataDetector.name)
def _build(context: DetectorContext) -> SecurityDataDetector:
    return SecurityDataDetector(pinned_keys(context))
