"""Verify: the compliance report of content against GB 45438 and the Measures, as data and HTML."""

from __future__ import annotations

from dataclasses import dataclass

from clearmark.core.signals import ComplianceReport
from clearmark.media.asset import open_asset
from clearmark.media.source import Source
from clearmark.service.pipelines.checklist import run_checks
from clearmark.service.pipelines.claims import ContentClaim
from clearmark.service.pipelines.config import PipelineConfig
from clearmark.service.pipelines.inspect import inspect_asset


@dataclass(frozen=True)
class VerifyJob:
    """One Verify request."""

    request_id: str
    content: bytes | Source
    c2pa_sidecar: bytes = b""
    claim: ContentClaim | None = None


def verify_content(job: VerifyJob, config: PipelineConfig) -> ComplianceReport:
    """Inspect, then check every requirement that applies to the content's modality."""
    asset = open_asset(job.content, config.limits, c2pa_sidecar=job.c2pa_sidecar)
    inspection, _ = inspect_asset(asset, config, job.request_id, claim=job.claim)
    checks = run_checks(inspection, require_propagator=config.verify_requires_propagator)
    return ComplianceReport(inspection=inspection, checks=checks)
