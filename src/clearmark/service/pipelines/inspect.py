"""Inspect: every signal in the content, the Art. 6 category, findings and the campaign verdict."""

from __future__ import annotations

from clearmark.campaign.content import campaign_signals, content_views
from clearmark.core.signals import Inspection
from clearmark.detectors.registry import run_detectors
from clearmark.media.asset import Asset, open_asset
from clearmark.media.source import Source
from clearmark.service.pipelines.claims import ContentClaim, claim_signals
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.guards import refuse_hostile_xml
from clearmark.service.pipelines.workers import beside_pool, detectors_for, registry_view
from clearmark.service.policy import Decision, campaign_verdict, decide
from clearmark.service.registry.evidence import with_registry_evidence


def inspect_asset(
    asset: Asset,
    config: PipelineConfig,
    request_id: str,
    *,
    user_declared: bool = False,
    claim: ContentClaim | None = None,
    tenant: str = "",
) -> tuple[Inspection, Decision]:
    """Run every detector on an opened asset, ask the registry (``config.registry_url``) about the
    claims found, and apply policy once (the campaign checks under ``tenant``'s policy).

    Raises:
        RegistryUnavailable: the registry database failed.
        InvalidMedia: an XMP packet uses DTDs or entities (an attack, not a producer's mistake).
    """
    refuse_hostile_xml(asset)
    detectors = detectors_for(config.detectors)
    beside = beside_pool(config.detector_threads)
    signals = run_detectors(detectors, asset, beside, meanwhile=content_views(asset)) + claim_signals(asset, claim)
    if config.registry_url:  # the registry's answers are evidence too: gathered before the one decision
        signals = with_registry_evidence(signals, registry_view(config.registry_url), asset)
    pack = config.detectors.campaign_rule_pack
    frames = config.detectors.campaign_video_frames
    signals += campaign_signals(
        asset, signals, pack, tenant=tenant, tenants=config.campaign_tenants, video_frames=frames
    )
    decision = decide(signals, user_declared=user_declared)
    verdict = campaign_verdict(decision.findings, request_id, signals=signals)
    inspection = Inspection(
        media=asset.info(),
        signals=signals,
        category=decision.category,
        findings=decision.findings,
        campaign=verdict,
        aigc_label=decision.aigc_label,
        policy_version=verdict.policy_version,
    )
    return inspection, decision


def inspect_content(
    content: bytes | Source,
    config: PipelineConfig,
    request_id: str = "",
    c2pa_sidecar: bytes = b"",
    claim: ContentClaim | None = None,
    tenant: str = "",
) -> Inspection:
    """Inspect untrusted content (and an optional detached C2PA manifest store, and what the client
    claims it is) for a tenant; read-only."""
    asset = open_asset(content, config.limits, c2pa_sidecar=c2pa_sidecar)
    return inspect_asset(asset, config, request_id, claim=claim, tenant=tenant)[0]
