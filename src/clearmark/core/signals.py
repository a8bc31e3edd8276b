"""Frozen domain results: what detectors found (Signal), what policy concluded, what Verify checked."""

from __future__ import annotations

from dataclasses import dataclass, field

from clearmark.core.aigc import AigcLabel
from clearmark.core.enums import Category, MediaKind, Outcome, Suggestion


@dataclass(frozen=True)
class BoundingBox:
    """A pixel rectangle, origin top-left."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Location:
    """Where in the content a signal was found; unset parts are None."""

    carrier: str = ""  # e.g. "jpeg:app1-xmp", "png:tEXt", "exif:UserComment"
    byte_offset: int | None = None
    byte_length: int | None = None
    bbox: BoundingBox | None = None
    time_start_ms: int | None = None
    time_end_ms: int | None = None
    text_start: int | None = None
    text_end: int | None = None


@dataclass(frozen=True)
class Signal:
    """One thing a detector found, with where, how sure and which rule produced it."""

    source: str
    kind: str
    confidence: float
    rule_id: str
    rule_version: str
    category_hint: Category = Category.NO_SIGNAL
    location: Location = field(default_factory=Location)
    message: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    label: AigcLabel | None = None

    def attribute(self, name: str, default: str = "") -> str:
        """The value of one attribute, or ``default``."""
        return dict(self.attributes).get(name, default)


@dataclass(frozen=True)
class Hit:
    """Where a campaign rule hit: the original text and its span or box, its normalised form, the transforms undone.

    ``source`` names the text it was found in ("text", "title", "comments[2]", "ocr", "qrcode").
    """

    source: str
    text: str
    normalized: str
    location: Location = field(default_factory=Location)
    transforms: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A conclusion worth a reviewer's attention: a conflict, a defect, a campaign hit."""

    label: str
    message: str
    score: float = 1.0
    suggestion: Suggestion = Suggestion.REVIEW
    rule_id: str = ""
    evidence: tuple[str, ...] = ()
    modifiers: tuple[str, ...] = ()
    hits: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class CampaignVerdict:
    """The campaign routing verdict (see spec/campaign.md)."""

    suggestion: Suggestion
    findings: tuple[Finding, ...]
    policy_version: str
    request_id: str = ""
    not_evaluated: tuple[str, ...] = ()


@dataclass(frozen=True)
class MediaInfo:
    """What the bytes are, sniffed, never taken from the client's claim."""

    kind: MediaKind
    mime_type: str
    format: str
    size_bytes: int
    sha256: str
    width: int = 0
    height: int = 0


@dataclass(frozen=True)
class Inspection:
    """Everything Inspect returns: signals, the Art. 6 category, findings and the campaign verdict."""

    media: MediaInfo
    signals: tuple[Signal, ...]
    category: Category
    findings: tuple[Finding, ...]
    campaign: CampaignVerdict
    aigc_label: AigcLabel | None = None
    policy_version: str = ""


@dataclass(frozen=True)
class ComplianceCheck:
    """One requirement of GB 45438 / the Measures, checked, with the evidence that decided it."""

    requirement_id: str
    title: str
    outcome: Outcome
    evidence: tuple[str, ...] = ()
    reference: str = ""


@dataclass(frozen=True)
class ComplianceReport:
    """Verify's result: every check plus the overall answer."""

    inspection: Inspection
    checks: tuple[ComplianceCheck, ...]

    @property
    def compliant(self) -> bool:
        """True when no requirement failed."""
        return all(check.outcome is not Outcome.FAIL for check in self.checks)
