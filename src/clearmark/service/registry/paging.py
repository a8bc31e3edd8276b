"""Page tokens for Lookup (AIP-158): opaque, bound to the query that issued them, keyset-positioned."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PagePosition:
    """Where the next page starts: after the record with this ``created_at`` and ``seq`` (newest first)."""

    created_at: datetime
    seq: int


def query_digest(*parts: str) -> str:
    """A short digest of the query a token belongs to, so a token cannot be replayed on another query."""
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return digest[:16]


def encode_page_token(query: str, position: PagePosition) -> str:
    """An opaque token (URL-safe base64 of a small JSON object)."""
    body = json.dumps({"q": query, "t": position.created_at.isoformat(), "s": position.seq}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_page_token(token: str, query: str) -> PagePosition:
    """The position a token names.

    Raises:
        ValueError: the token is malformed or was issued for another query.
    """
    try:
        body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position = PagePosition(datetime.fromisoformat(body["t"]), int(body["s"]))
        issued_for = body["q"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError("page_token is not a token this service issued") from error
    if issued_for != query or position.created_at.tzinfo is None:
        raise ValueError("page_token belongs to another query")
    return position
