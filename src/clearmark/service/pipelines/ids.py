"""Ids (Appendix E charset) determined by the job, so the same job yields identical ids."""

from __future__ import annotations

import base64
import hashlib


def derive_id(prefix: str, tenant: str, request_id: str, purpose: str, salt: str = "") -> str:
    """``prefix`` plus 26 base32 characters of SHA-256 over (purpose, tenant, request id, salt).

    The service passes a fresh random ``salt`` per new request, so ids stay unique even when the
    registry that would have remembered an earlier request id is lost.
    """
    digest = hashlib.sha256(f"{purpose}\x00{tenant}\x00{request_id}\x00{salt}".encode()).digest()
    return prefix + base64.b32encode(digest).decode()[:26]
