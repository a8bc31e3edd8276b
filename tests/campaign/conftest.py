"""Shared fixtures of the campaign tests: one checker with the starter pack per session."""

from __future__ import annotations

import pytest

from clearmark.campaign import CampaignChecker


@pytest.fixture(scope="session")
def checker() -> CampaignChecker:
    """The starter pack, compiled once (its tables take about a second)."""
    return CampaignChecker()
