"""Checks on a request before work starts: party codes and hostile XML, each a precise InvalidRequest/InvalidMedia."""

from __future__ import annotations

from clearmark.core.aigc import producer_code_problems
from clearmark.core.errors import FieldViolation, InvalidMedia, InvalidRequest
from clearmark.media.asset import Asset


def check_party_code(code: str, field: str, policy: str) -> list[str]:
    """Validate a producer/platform code; raise under "reject", return the problems under "flag"."""
    if not code:
        raise InvalidRequest(f"{field} is required", violations=(FieldViolation(field, "required"),))
    problems = producer_code_problems(code, field=field)
    if problems and policy == "reject":
        raise InvalidRequest(
            problems[0].description,
            reason="INVALID_PARTY_CODE",
            violations=tuple(FieldViolation(field, p.description) for p in problems),
        )
    return [p.description for p in problems]


def refuse_hostile_xml(asset: Asset) -> None:
    """Reject content whose XMP uses DTDs or entity declarations; merely malformed XMP is a finding."""
    for packet in asset.metadata.xmp_packets:
        if packet.error_reason == "HOSTILE_XML":
            raise InvalidMedia(
                f"{packet.location.carrier}: {packet.error}",
                reason="HOSTILE_XML",
                violations=(FieldViolation(packet.location.carrier, packet.error),),
            )
