"""Nearest-perceptual-hash Lookup over 1,000,000 records on SQLite and PostgreSQL vs a SQL scan of the table.

``python -m bench.run registry`` (``CLEARMARK_BENCH_RECORDS`` changes the count). The table is
filled through the database's bulk path (SQLite executemany, PostgreSQL COPY) after the Alembic
migrations, ten tenants, random 64-bit hashes; each query is a stored hash with 4 bits flipped,
so exactly one record lies within the default image radius (10 bits). References in the same run:
the same search as one SQL statement (PostgreSQL ``bit_count(hash # q)``, SQLite a registered
``hamming`` function), which has to read every row.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import text

from bench.harness import Timing, measure
from bench.postgres import throwaway_cluster
from clearmark.media.perceptual import from_signed, to_signed
from clearmark.service.registry import RegistryStore
from clearmark.service.registry.perceptual import IMAGE, PerceptualHash

RECORDS = int(os.environ.get("CLEARMARK_BENCH_RECORDS", "1000000"))
TENANTS = 10
RADIUS = 10
_COLUMNS = (
    "record_id", "tenant", "request_id", "verb", "media_type", "produce_id", "propagate_id", "producer_code",
    "propagator_code", "label_value", "input_sha256", "output_sha256", "labels_applied", "model", "created_at",
    "details", "watermark_id", "perceptual_hash", "perceptual_kind",
)  # fmt: skip
T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _hashes(count: int) -> np.ndarray:
    return np.random.default_rng(2026).integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, count, np.int64)


def _rows(hashes: np.ndarray, start: int, stop: int):
    for i in range(start, stop):
        yield (
            f"{i:032x}", f"tenant-{i % TENANTS}", f"req-{i}", "stamp", "image/jpeg", f"CM{i:026d}", "",
            "001191440300708461136T1XGW3", "", "{}", f"{i:064x}", f"{i + RECORDS:064x}", "METADATA_PRODUCER",
            "", T0, "{}", "", int(hashes[i]), IMAGE,
        )  # fmt: skip


def _fill(store: RegistryStore, hashes: np.ndarray) -> float:
    """Bulk-load the table; returns seconds."""
    started = time.perf_counter()
    raw = store.engine.raw_connection()
    try:
        if store.engine.dialect.name == "postgresql":
            with raw.cursor() as cursor:
                with cursor.copy(f"COPY provenance_records ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
                    for row in _rows(hashes, 0, len(hashes)):
                        copy.write_row(row)
            raw.commit()
        else:
            marks = ", ".join("?" for _ in _COLUMNS)
            cursor = raw.cursor()
            for start in range(0, len(hashes), 50_000):
                rows = [
                    (*r[:14], r[14].isoformat(sep=" "), *r[15:])
                    for r in _rows(hashes, start, min(len(hashes), start + 50_000))
                ]
                cursor.executemany(f"INSERT INTO provenance_records ({', '.join(_COLUMNS)}) VALUES ({marks})", rows)
            raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - started


def _sql_scan(store: RegistryStore) -> tuple[str, dict[str, object]]:
    if store.engine.dialect.name == "postgresql":
        return (
            "SELECT seq FROM provenance_records WHERE perceptual_kind = :kind AND tenant = :tenant AND "
            "bit_count((perceptual_hash # :q)::bit(64)) <= :radius",
            {},
        )
    return (
        "SELECT seq FROM provenance_records WHERE perceptual_kind = :kind AND tenant = :tenant AND "
        "hamming(perceptual_hash, :q) <= :radius",
        {},
    )


def _register_hamming(store: RegistryStore) -> None:
    from sqlalchemy import event

    def hamming(a: int | None, b: int) -> int:
        return 64 if a is None else ((a ^ b) & 0xFFFFFFFFFFFFFFFF).bit_count()

    @event.listens_for(store.engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.create_function("hamming", 2, hamming, deterministic=True)

    store.engine.dispose()  # reconnect with the function


def _backend(name: str, url: str, repeats: int) -> tuple[list[str], dict[str, Timing]]:
    hashes = _hashes(RECORDS)
    notes = []
    with RegistryStore(url) as store:
        store.migrate()
        notes.append(f"{name}: {RECORDS:,} records loaded in {_fill(store, hashes):.1f} s")
        if name == "SQLite":
            _register_hamming(store)
        started = time.perf_counter()
        store.find_similar("tenant-0", PerceptualHash(IMAGE, 0), max_distance=0)
        notes.append(f"{name}: index loaded from the table in {time.perf_counter() - started:.2f} s (once per process)")
        rng = np.random.default_rng(7)
        targets = []
        for index in rng.choice(np.arange(0, RECORDS, TENANTS), size=64):  # tenant-0's records
            flipped = from_signed(int(hashes[index])) ^ sum(1 << int(b) for b in rng.choice(64, 4, replace=False))
            targets.append((int(index), flipped))
        queue = iter(targets * (repeats + 4))
        sql, _ = _sql_scan(store)

        def lookup() -> None:
            index, value = next(queue)
            found = store.find_similar("tenant-0", PerceptualHash(IMAGE, value), max_distance=RADIUS)
            assert found and found[0].record.request_id == f"req-{index}", (index, found[:1])

        scan_queue = iter(targets * (repeats + 4))

        def scan() -> None:
            index, value = next(scan_queue)
            with store.engine.connect() as connection:
                seqs = connection.execute(
                    text(sql), {"kind": IMAGE, "tenant": "tenant-0", "q": to_signed(value), "radius": RADIUS}
                ).all()
            assert len(seqs) >= 1

        timings = measure(
            {f"{name}: clearmark find_similar (in-memory index)": lookup, f"{name}: SQL scan of the table": scan},
            repeats=repeats,
            warmup=1,
        )
    return notes, timings


def run(repeats: int) -> str:
    repeats = max(5, min(repeats, 15))
    lines = [
        f"### Nearest-perceptual-hash Lookup, {RECORDS:,} records, radius {RADIUS} bits, one tenant of {TENANTS}",
        "",
    ]
    notes: list[str] = []
    timings: dict[str, Timing] = {}
    with tempfile.TemporaryDirectory() as directory:
        more, found = _backend("SQLite", f"sqlite:///{Path(directory) / 'bench.db'}", repeats)
        notes += more
        timings.update(found)
    try:
        with throwaway_cluster() as cluster:
            more, found = _backend("PostgreSQL", cluster.create_database(), repeats)
            notes += more
            timings.update(found)
    except RuntimeError as error:
        notes.append(f"PostgreSQL skipped: {error}")
    lines += ["| case | median ms | p90 ms | n |", "|---|---:|---:|---:|"]
    lines += [f"| {t.name} | {t.median_ms:.2f} | {t.p90_ms:.2f} | {len(t.samples_ms)} |" for t in timings.values()]
    lines += ["", "| ratio | value |", "|---|---:|"]
    for backend in ("SQLite", "PostgreSQL"):
        ours, scan = (
            timings.get(f"{backend}: clearmark find_similar (in-memory index)"),
            timings.get(f"{backend}: SQL scan of the table"),
        )
        if ours and scan:
            lines.append(f"| {backend}: SQL scan / clearmark | {scan.median_ms / ours.median_ms:.1f}x |")
    lines += ["", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)
