"""Deterministic ids (Appendix E charset), so a replayed request yields identical ids."""

from __future__ import annotations

import base64
import hashlib


def derive_id(prefix: str, tenant: str, request_id: str, purpose: str) -> str:
    """``prefix`` plus 26 base32 characters of SHA-256 over (purpose, tenant, request id)."""
    digest = hashlib.sha256(f"{purpose}\x00{tenant}\x00{request_id}".encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:26]
