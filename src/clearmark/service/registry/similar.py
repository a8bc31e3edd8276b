"""Nearest-perceptual-hash search: every record's hash in numpy arrays per (kind, tenant), scanned by XOR and popcount.

A 64-bit Hamming scan of a million hashes takes a few milliseconds in numpy, faster than any SQL
index over chunked hashes at the radii perceptual matching needs (see docs/benchmarks.md), and a
tenant's search only scans that tenant's partition. The arrays are loaded from the table once and
topped up by primary key before each search, so records written by another replica are seen;
rows purged elsewhere are dropped when the candidates are fetched back from the table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, func, select

from clearmark.service.registry.models import ProvenanceRow

_LOAD_BATCH = 100_000
# Sequence numbers are taken at insert but rows become visible at commit, so on PostgreSQL a row can
# appear after a higher seq was loaded; every refresh re-reads this many seqs below the highest seen.
REREAD_WINDOW = 256
_TABLE = ProvenanceRow.__table__


@dataclass(frozen=True)
class Candidate:
    """A record whose hash lies within the search radius."""

    seq: int
    distance: int


@dataclass
class _Partition:
    """The hashes of one (kind, tenant), with their record seqs; arrays are replaced, never mutated."""

    hashes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    seqs: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


class PerceptualIndex:
    """An in-memory copy of ``(seq, hash)`` of every hashed record, partitioned by kind and tenant; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._partitions: dict[tuple[str, str], _Partition] = {}
        self._last_seq = 0
        self._recent: set[int] = set()  # seqs loaded within REREAD_WINDOW of the highest

    def __len__(self) -> int:
        return sum(int(p.seqs.size) for p in self._partitions.values())

    def reset(self) -> None:
        """Forget everything (after a purge); the next refresh reloads the table."""
        with self._lock:
            self._clear()

    def refresh(self, connection: Connection) -> int:
        """Load the hashed records added since the last refresh; returns how many."""
        columns = (_TABLE.c.seq, _TABLE.c.tenant, _TABLE.c.perceptual_kind, _TABLE.c.perceptual_hash)
        with self._lock:
            added, after = 0, max(0, self._last_seq - REREAD_WINDOW)
            top = connection.execute(select(func.max(_TABLE.c.seq))).scalar() or 0
            # Bounded seq ranges, not ORDER BY + LIMIT: a prepared statement's generic plan then still
            # walks the primary key instead of sorting the table.
            while after < top:
                upto = after + _LOAD_BATCH
                stmt = select(*columns).where(
                    _TABLE.c.seq > after, _TABLE.c.seq <= upto, _TABLE.c.perceptual_hash.is_not(None)
                )
                fresh = [row for row in connection.execute(stmt).all() if row[0] not in self._recent]
                if fresh:
                    self._append(fresh)
                    added += len(fresh)
                after = upto
            return added

    def _append(self, rows: list) -> None:
        seqs = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        hashes = np.fromiter((row[3] for row in rows), dtype=np.int64, count=len(rows)).view(np.uint64)
        groups: dict[tuple[str, str], list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault((row[2], row[1]), []).append(i)
        for key, members in groups.items():
            index = np.asarray(members, dtype=np.int64)
            old = self._partitions.get(key) or _Partition()
            self._partitions[key] = _Partition(
                np.concatenate((old.hashes, hashes[index])), np.concatenate((old.seqs, seqs[index]))
            )
        self._last_seq = max(self._last_seq, int(seqs.max()))
        floor = self._last_seq - REREAD_WINDOW
        self._recent = {seq for seq in self._recent if seq > floor}
        self._recent.update(int(seq) for seq in seqs[seqs > floor])

    def search(self, kind: str, value: int, max_distance: int, tenant: str | None, limit: int) -> list[Candidate]:
        """Records of ``kind`` (and ``tenant``, unless None) within ``max_distance`` bits, nearest first.

        Ties are broken by the newest record first.
        """
        with self._lock:
            partitions = [p for (k, t), p in self._partitions.items() if k == kind and (tenant is None or t == tenant)]
        target = np.uint64(value)
        hit_seqs, hit_distances = [], []
        for partition in partitions:
            distances = np.bitwise_count(partition.hashes ^ target)
            hit = np.flatnonzero(distances <= max_distance)
            hit_seqs.append(partition.seqs[hit])
            hit_distances.append(distances[hit])
        if not partitions:
            return []
        seqs, distances = np.concatenate(hit_seqs), np.concatenate(hit_distances)
        order = np.lexsort((-seqs, distances))[:limit]
        return [Candidate(int(seqs[i]), int(distances[i])) for i in order]
