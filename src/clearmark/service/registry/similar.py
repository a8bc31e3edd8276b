"""Nearest-perceptual-hash search: every record's hash in one numpy array, scanned by XOR and popcount.

A 64-bit Hamming scan of a million hashes takes a few milliseconds in numpy, faster than any SQL
index over chunked hashes at the radii perceptual matching needs (see docs/benchmarks.md). The
arrays are loaded from the table once and topped up by primary key before each search, so records
written by another replica are seen; rows purged elsewhere are dropped when the candidates are
fetched back from the table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearmark.media.perceptual import from_signed
from clearmark.service.registry.models import ProvenanceRow

_LOAD_BATCH = 200_000


@dataclass(frozen=True)
class Candidate:
    """A record whose hash lies within the search radius."""

    seq: int
    distance: int


class PerceptualIndex:
    """An in-memory copy of ``(seq, tenant, kind, hash)`` of every hashed record; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._tenants: dict[str, int] = {}
        self._kinds: dict[str, int] = {}
        self._seq = np.empty(0, dtype=np.int64)
        self._hash = np.empty(0, dtype=np.uint64)
        self._tenant = np.empty(0, dtype=np.int32)
        self._kind = np.empty(0, dtype=np.int8)
        self._last_seq = 0

    def __len__(self) -> int:
        return int(self._seq.size)

    def reset(self) -> None:
        """Forget everything (after a purge); the next refresh reloads the table."""
        with self._lock:
            self._clear()

    def refresh(self, session: Session) -> int:
        """Load the hashed records added since the last refresh; returns how many."""
        with self._lock:
            added = 0
            while True:
                stmt = (
                    select(
                        ProvenanceRow.seq,
                        ProvenanceRow.tenant,
                        ProvenanceRow.perceptual_kind,
                        ProvenanceRow.perceptual_hash,
                    )
                    .where(ProvenanceRow.seq > self._last_seq, ProvenanceRow.perceptual_hash.is_not(None))
                    .order_by(ProvenanceRow.seq)
                    .limit(_LOAD_BATCH)
                )
                rows = session.execute(stmt).all()
                if not rows:
                    return added
                self._append(rows)
                added += len(rows)
                if len(rows) < _LOAD_BATCH:
                    return added

    def _append(self, rows: list) -> None:
        seqs, tenants, kinds, hashes = zip(*rows, strict=True)
        tenant_codes = [self._tenants.setdefault(t, len(self._tenants)) for t in tenants]
        kind_codes = [self._kinds.setdefault(k, len(self._kinds)) for k in kinds]
        unsigned = np.array(hashes, dtype=np.int64).view(np.uint64)
        self._seq = np.concatenate((self._seq, np.array(seqs, dtype=np.int64)))
        self._hash = np.concatenate((self._hash, unsigned))
        self._tenant = np.concatenate((self._tenant, np.array(tenant_codes, dtype=np.int32)))
        self._kind = np.concatenate((self._kind, np.array(kind_codes, dtype=np.int8)))
        self._last_seq = int(seqs[-1])

    def search(self, kind: str, value: int, max_distance: int, tenant: str | None, limit: int) -> list[Candidate]:
        """Records of ``kind`` (and ``tenant``, unless None) within ``max_distance`` bits, nearest first.

        Ties are broken by the newest record first.
        """
        with self._lock:
            kind_code = self._kinds.get(kind)
            tenant_code = None if tenant is None else self._tenants.get(tenant)
            if kind_code is None or (tenant is not None and tenant_code is None):
                return []
            hashes, seqs = self._hash, self._seq
            mask = self._kind == kind_code
            if tenant_code is not None:
                mask &= self._tenant == tenant_code
        distances = np.bitwise_count(hashes ^ np.uint64(value)).astype(np.int16)
        hit = np.flatnonzero(mask & (distances <= max_distance))
        order = np.lexsort((-seqs[hit], distances[hit]))[:limit]
        return [Candidate(int(seqs[hit[i]]), int(distances[hit[i]])) for i in order]


def unsigned(value: int | None) -> int | None:
    """A stored (signed) hash as the unsigned value the media layer computes."""
    return None if value is None else from_signed(value)
