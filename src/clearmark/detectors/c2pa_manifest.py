"""Detector of C2PA manifests: turns the report ``media.c2pa_store`` reads into signals.

The active manifest's state is judged on its own results: c2pa lowers the whole store to
``Invalid`` when an *ingredient* fails, which is kept in ``store_validation_state`` and in each
ingredient's codes, but does not by itself make the active manifest invalid.
"""

from __future__ import annotations

import functools
import re

from clearmark.core.enums import Category, MediaKind
from clearmark.core.kinds import Attr, SignalKind, fingerprint_kind
from clearmark.core.signals import Location, Signal
from clearmark.detectors.fingerprint_rules import GENERATOR_NAMES
from clearmark.detectors.iptc import CAPTURE_SOURCE_TYPES, source_type_term
from clearmark.detectors.registry import DetectorContext, register_detector
from clearmark.media.asset import Asset
from clearmark.media.c2pa_settings import NO_TRUST, C2paTrust, TrustSource
from clearmark.media.c2pa_store import (
    C2PA_POINTER,
    INVALID,
    NS_DCTERMS,
    VALID,
    C2paReport,
    read_sidecar_report,
    unique,
)
from clearmark.media.format import C2paSizeLimit
from clearmark.media.xmp import NS_CLEARMARK

AI_GENERATED_TERMS = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
AI_SUSPECTED_TERMS = frozenset({"algorithmicMedia", "compositeSynthetic"})

_GENERATORS = tuple(
    (tool, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE)) for tool, pattern in GENERATOR_NAMES
)


def generator_named(text: str) -> str | None:
    """The generative tool a claim generator or software agent names (word-bounded), if any."""
    return next((tool for tool, pattern in _GENERATORS if text and pattern.search(text)), None)


def _hint(report: C2paReport) -> Category:
    """A valid manifest declaring trained-model output is AI_GENERATED; any other AI source type is a trace.

    An invalid, expired or unverifiable manifest proves nothing about who made the content, but the
    AI source type it declares is still a trace of generation (real phone and API outputs ship with
    untrusted or expired certificates): AI_SUSPECTED, never NO_SIGNAL.
    """
    terms = {source_type_term(value) for value in report.digital_source_types}
    if report.validated and terms & AI_GENERATED_TERMS:
        return Category.AI_GENERATED
    if terms & (AI_GENERATED_TERMS | AI_SUSPECTED_TERMS):
        return Category.AI_SUSPECTED
    return Category.NO_SIGNAL


def c2pa_size_limit(asset: Asset) -> C2paSizeLimit:
    """The size past which c2pa does not read the asset's manifest (its format's, or ``max_media_bytes``)."""
    if asset.spec.c2pa is not None and not asset.c2pa_sidecar:
        return asset.spec.c2pa.size_limit(asset.limits)
    return C2paSizeLimit("max_media_bytes", asset.limits.max_bytes)


def manifest_pointers(asset: Asset) -> list[str]:
    """XMP properties saying the file carries a manifest: ``dcterms:provenance``, ``clearmark:C2paManifest``."""
    found = []
    for packet in asset.metadata.xmp_packets:
        if packet.document is None:
            continue
        for namespace, name in ((NS_DCTERMS, "provenance"), (NS_CLEARMARK, C2PA_POINTER)):
            value = packet.document.get(namespace, name)
            if value:
                found.append(f"{name}={value[:200]}")
    return found


def report_attributes(report: C2paReport) -> tuple[tuple[str, str], ...]:
    """The report as signal attributes: strings, tuples joined by "," (ingredients by ";")."""
    terms = [source_type_term(value) for value in report.digital_source_types]
    ingredient_types = unique(t for i in report.ingredients for t in i.digital_source_types)
    return (
        (Attr.VALIDATION_STATE, report.validation_state),
        ("store_validation_state", report.store_validation_state),
        (Attr.FAILURE_CODES, ",".join(report.failure_codes)),
        ("signer_subject", report.signer_subject),
        ("signer_issuer", report.signer_issuer),
        ("not_before", report.not_before),
        ("not_after", report.not_after),
        ("timestamp", report.timestamp),
        (Attr.HAS_TIMESTAMP, str(report.has_timestamp).lower()),
        ("claim_generator", report.claim_generator),
        ("actions", ",".join(report.actions)),
        ("digital_source_types", ",".join(report.digital_source_types)),
        ("software_agents", ",".join(report.software_agents)),
        ("ingredients", ";".join(i.describe() for i in report.ingredients)),
        ("ingredient_digital_source_types", ",".join(ingredient_types)),
        ("manifest_label", report.active_manifest_label),
        ("remote_url", report.remote_url),
        (Attr.CAPTURE, str(any(t in CAPTURE_SOURCE_TYPES for t in terms)).lower()),
    )


class C2paManifestDetector:
    """Validates the asset's C2PA manifest with the configured trust; AI only when it validates."""

    name = "c2pa.manifest"
    version = "1"
    # documents: PDF (no OOXML here)
    kinds = frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.DOCUMENT, MediaKind.AUDIO})

    def __init__(self, trust: C2paTrust | TrustSource = NO_TRUST) -> None:
        self._trust = trust

    @property
    def trust(self) -> C2paTrust:
        """The trust in force (re-read when the operator's anchors file changes)."""
        return self._trust.current() if isinstance(self._trust, TrustSource) else self._trust

    def detect(self, asset: Asset) -> list[Signal]:
        if c2pa_size_limit(asset).exceeded_by(asset.size):
            # c2pa validates a file whole in memory (a PDF costs ~4x its size, an MP4 ~1.1x): past the
            # format's limit the manifest is not read, and the report says so instead of staying silent.
            return [self.not_validated(asset)]
        if asset.c2pa_sidecar:
            report = read_sidecar_report(asset.source, asset.spec.mime_type, asset.c2pa_sidecar, self.trust)
        elif asset.spec.c2pa is not None:
            report = asset.c2pa_report(self.trust)
        else:
            report = None
        if report is not None:
            return [self.signal(report, asset), *self.ingredient_failures(report), *self.generator_claims(report)]
        pointers = manifest_pointers(asset)
        if not pointers:
            return []
        return [
            Signal(
                source=self.name,
                kind=SignalKind.C2PA_MANIFEST_MISSING,
                confidence=1.0,
                rule_id="c2pa.manifest_removed",
                rule_version=self.version,
                message=f"XMP says a C2PA manifest was attached ({'; '.join(pointers)}) but none is in the file",
                attributes=(("pointers", ";".join(pointers)),),
            )
        ]

    def ingredient_failures(self, report: C2paReport) -> list[Signal]:
        """c2pa rated the store Invalid while the active manifest validates: an ingredient failed. A finding."""
        if report.store_validation_state != INVALID or report.validation_state == INVALID:
            return []
        failed = [i for i in report.ingredients if i.validation_state == INVALID or i.failure_codes]
        evidence = "; ".join(i.describe() for i in failed) or "c2pa rated the store Invalid"
        return [
            Signal(
                source=self.name,
                kind=SignalKind.C2PA_INGREDIENT_INVALID,
                confidence=1.0,
                rule_id="c2pa.ingredient_validation",
                rule_version=self.version,
                location=Location(carrier="c2pa"),
                message=f"the active manifest validates but its store is Invalid: {evidence}",
                attributes=(("ingredients", evidence),),
            )
        ]

    def not_validated(self, asset: Asset) -> Signal:
        """The signal for content too large for c2pa's whole-file validation."""
        limit = c2pa_size_limit(asset)
        return Signal(
            source=self.name,
            kind=SignalKind.C2PA_NOT_VALIDATED,
            confidence=1.0,
            rule_id="c2pa.size_limit",
            rule_version=self.version,
            location=Location(carrier="c2pa"),
            message=(
                f"C2PA not validated: {asset.size} bytes exceed {limit.setting}={limit.max_bytes}, the limit for "
                f"c2pa's whole-file validation of {asset.spec.description}"
            ),
            attributes=((Attr.PRESENT, "false"), ("limit", limit.setting)),
        )

    def generator_claims(self, report: C2paReport) -> list[Signal]:
        """A claim generator or software agent naming a generative tool is a trace, trusted or not."""
        claims = [("claim_generator", report.claim_generator)] + [("softwareAgent", a) for a in report.software_agents]
        signals = []
        for field_name, value in claims:
            tool = generator_named(value)
            if tool is None:
                continue
            signals.append(
                Signal(
                    source=self.name,
                    kind=fingerprint_kind(tool),
                    confidence=0.6 if report.validation_state == INVALID else 0.8,
                    rule_id="c2pa.generator_claim",
                    rule_version=self.version,
                    category_hint=Category.AI_SUSPECTED,
                    location=Location(carrier="c2pa"),
                    message=f"C2PA {field_name} names {tool}: {value[:120]!r} ({report.validation_state})",
                    attributes=(
                        ("field", field_name),
                        ("value", value[:500]),
                        (Attr.VALIDATION_STATE, report.validation_state),
                    ),
                )
            )
        return signals

    def signal(self, report: C2paReport, asset: Asset) -> Signal:
        """The one signal a report becomes: ``c2pa.manifest`` or ``c2pa.manifest_invalid``."""
        invalid = report.validation_state == INVALID
        hint = _hint(report)
        if report.embedded:
            carrier = asset.spec.c2pa.carrier if asset.spec.c2pa is not None else "c2pa"
        else:
            carrier = "c2pa:remote" if report.remote_url else "c2pa:sidecar"
        terms = ",".join(source_type_term(v) for v in report.digital_source_types) or "no digitalSourceType"
        message = (
            f"C2PA manifest is invalid: {','.join(report.failure_codes)}"
            if invalid
            else f"C2PA manifest {report.validation_state} ({terms}) signed by {report.signer_subject or 'unknown'}"
        )
        return Signal(
            source=self.name,
            kind=SignalKind.C2PA_MANIFEST_INVALID if invalid else SignalKind.C2PA_MANIFEST,
            confidence=0.8 if report.validation_state == VALID else 1.0,
            rule_id="c2pa.validation",
            rule_version=self.version,
            category_hint=hint,
            location=Location(carrier=carrier),
            message=message,
            attributes=report_attributes(report),
            label=report.gb45438_assertion,
        )


@functools.cache
def trust_source(context: DetectorContext) -> TrustSource:
    """The C2PA trust of a detector context, one per process: the reader's and the signer's alike."""
    return TrustSource(
        context.c2pa_trust_anchors_pem,
        allowed_ekus=context.c2pa_allowed_ekus,
        fetch_remote=context.c2pa_fetch_remote,
        public_list=context.c2pa_public_trust_list,
    )


@register_detector(C2paManifestDetector.name)
def _build(context: DetectorContext) -> C2paManifestDetector:
    return C2paManifestDetector(trust_source(context))
