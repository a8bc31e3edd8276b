"""Tests of the provenance registry store: round trip, idempotency, tenant isolation, lookup, races."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from tests.service.registry.conftest import T0, MakeRecord, sha

from clearmark.core.enums import AppliedLabel
from clearmark.core.errors import RequestConflict
from clearmark.service.registry import ProvenanceRecord, RegistryStore, RegistryUnavailable
from clearmark.service.registry.models import ProvenanceRow


def _retry_of(rec: ProvenanceRecord, make_record: MakeRecord, **changes: object) -> ProvenanceRecord:
    """A new attempt (own record id and time) at the same request on the same content."""
    same = {
        "request_id": rec.request_id,
        "input_sha256": rec.input_sha256,
        "output_sha256": rec.output_sha256,
    }
    return make_record(**{**same, **changes})


def _count(store: RegistryStore) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ProvenanceRow)).scalar_one()


def test_round_trip(store: RegistryStore, make_record: MakeRecord) -> None:
    rec = make_record(labels_applied=(), details=())
    stored, created = store.record(rec)
    assert created
    assert stored == rec
    assert store.get_by_request("tenant-a", rec.request_id) == rec
    full = make_record()
    store.record(full)
    loaded = store.get_by_request("tenant-a", full.request_id)
    assert loaded == full
    assert loaded is not None and loaded.labels_applied == (
        AppliedLabel.EXPLICIT_NOTICE,
        AppliedLabel.METADATA_PRODUCER,
    )


def test_created_at_normalised_to_utc(store: RegistryStore, make_record: MakeRecord) -> None:
    beijing = timezone(timedelta(hours=8))
    rec = make_record(created_at=T0.astimezone(beijing))
    stored, _ = store.record(rec)
    loaded = store.get_by_request(rec.tenant, rec.request_id)
    assert loaded is not None
    assert loaded.created_at == T0 and loaded.created_at.utcoffset() == timedelta(0)
    assert stored == loaded


def test_missing_request_is_none(store: RegistryStore) -> None:
    assert store.get_by_request("tenant-a", "nope") is None


def test_replay_returns_existing_record(store: RegistryStore, make_record: MakeRecord) -> None:
    first = make_record()
    store.record(first)
    again, created = store.record(_retry_of(first, make_record))
    assert not created
    assert again == first and again.record_id == first.record_id
    assert _count(store) == 1


def test_replay_with_another_output_keeps_the_first_record(store: RegistryStore, make_record: MakeRecord) -> None:
    first = make_record()
    store.record(first)
    again, created = store.record(_retry_of(first, make_record, output_sha256=sha("re-signed output")))
    assert not created and again == first


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"input_sha256": sha("other input")}, "REQUEST_ID_REUSED"),
        ({"verb": "label"}, "REQUEST_ID_REUSED"),
    ],
)
def test_request_id_reuse_conflicts(
    store: RegistryStore, make_record: MakeRecord, change: dict[str, str], reason: str
) -> None:
    first = make_record()
    store.record(first)
    with pytest.raises(RequestConflict) as caught:
        store.record(_retry_of(first, make_record, **change))
    assert caught.value.reason == reason
    assert first.request_id in caught.value.message
    assert _count(store) == 1


def test_request_id_is_per_tenant(store: RegistryStore, make_record: MakeRecord) -> None:
    a = make_record()
    b = make_record(tenant="tenant-b", request_id=a.request_id)
    assert store.record(a)[1] and store.record(b)[1]
    assert store.get_by_request("tenant-b", a.request_id) == b


def test_tenants_never_see_each_other(store: RegistryStore, make_record: MakeRecord) -> None:
    a = make_record(propagate_id="prop-1", verb="label")
    store.record(a)
    assert store.get_by_request("tenant-b", a.request_id) is None
    for key in (
        {"produce_id": a.produce_id},
        {"propagate_id": a.propagate_id},
        {"sha256": a.input_sha256},
        {"sha256": a.output_sha256},
    ):
        assert store.find("tenant-b", **key) == []
        assert store.find("tenant-a", **key) == [a]


def test_find_by_each_key_newest_first(store: RegistryStore, make_record: MakeRecord) -> None:
    old = make_record(produce_id="P", propagate_id="Q", created_at=T0)
    # A platform's Label of that content keeps the producer's ProduceID (one Stamp per ProduceID).
    new = make_record(verb="label", produce_id="P", propagate_id="Q", created_at=T0 + timedelta(hours=1))
    # The output of one operation is the input of the next (Stamp, then Label of that upload).
    relabel = make_record(verb="label", input_sha256=new.output_sha256, created_at=T0 + timedelta(hours=2))
    for rec in (old, new, relabel):
        store.record(rec)
    assert store.find("tenant-a", produce_id="P") == [new, old]
    assert store.find("tenant-a", propagate_id="Q") == [new, old]
    assert store.find("tenant-a", sha256=old.input_sha256) == [old]
    assert store.find("tenant-a", sha256=old.output_sha256.upper()) == [old]
    assert store.find("tenant-a", sha256=new.output_sha256) == [relabel, new]
    assert store.find("tenant-a", produce_id="P", limit=1) == [new]
    assert store.find("tenant-a", produce_id="absent") == []


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"produce_id": "P", "sha256": sha("x")}, {"sha256": "not-hex"}, {"produce_id": "P", "limit": 0}],
)
def test_find_rejects_bad_queries(store: RegistryStore, kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        store.find("tenant-a", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        {"verb": "inspect"},
        {"tenant": ""},
        {"input_sha256": "ABC"},
        {"created_at": T0.replace(tzinfo=None)},
        {"details": (("k", "1"), ("k", "2"))},
        {"labels_applied": (1,)},
    ],
)
def test_record_validates(make_record: MakeRecord, change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_record(**change)


def test_lost_insert_race_applies_replay_rule(
    store: RegistryStore, make_record: MakeRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = make_record()
    store.record(winner)
    real_get = store.get_by_request
    calls = iter([None])  # the first look sees nothing, as if the winner committed just after it

    def racing_get(tenant: str, request_id: str) -> ProvenanceRecord | None:
        return next(calls, None) or real_get(tenant, request_id)

    monkeypatch.setattr(store, "get_by_request", racing_get)
    assert store.record(_retry_of(winner, make_record)) == (winner, False)
    calls = iter([None])
    with pytest.raises(RequestConflict):
        store.record(make_record(request_id=winner.request_id))
    assert _count(store) == 1


def test_wal_mode_and_pragmas(store: RegistryStore) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 5000


def test_parent_directory_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "registry.db"
    with RegistryStore(f"sqlite:///{path}") as registry:
        registry.create_schema()
    assert path.exists()


def test_in_memory_store_shared_across_threads(make_record: MakeRecord) -> None:
    with RegistryStore("sqlite://") as registry:
        registry.create_schema()
        rec = make_record()
        with ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(registry.record, rec).result()
        assert registry.get_by_request(rec.tenant, rec.request_id) == rec


Outcome = tuple[ProvenanceRecord, bool]


def _run_together(n: int, work: Callable[[int], Outcome]) -> list[Outcome]:
    barrier = threading.Barrier(n)

    def start(i: int) -> Outcome:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(start, range(n)))


def test_concurrent_same_request_id_stores_one_row(store: RegistryStore, make_record: MakeRecord) -> None:
    template = make_record()
    attempts = [_retry_of(template, make_record) for _ in range(8)]
    results = _run_together(8, lambda i: store.record(attempts[i]))
    assert _count(store) == 1
    assert sum(created for _, created in results) == 1
    assert len({rec for rec, _ in results}) == 1
    assert results[0][0] == store.get_by_request(template.tenant, template.request_id)


def test_concurrent_distinct_requests_store_all(store: RegistryStore, make_record: MakeRecord) -> None:
    attempts = [make_record() for _ in range(8)]
    results = _run_together(8, lambda i: store.record(attempts[i]))
    assert _count(store) == 8
    assert all(created for _, created in results)


def test_lookup_by_watermark_id_stays_in_the_tenant(store: RegistryStore, make_record: MakeRecord) -> None:

    record = replace(make_record(), watermark_id="00ab" * 4)
    store.record(record)
    assert store.find(record.tenant, watermark_id="00AB" * 4) == [record]
    assert store.find("someone-else", watermark_id="00ab" * 4) == []
    assert store.watermark_known("00ab" * 4) and not store.watermark_known("ff" * 8)


def test_a_produce_id_is_stamped_once(store: RegistryStore, make_record: MakeRecord) -> None:
    store.record(make_record(produce_id="CMSAME"))
    with pytest.raises(IntegrityError):
        store.record(make_record(produce_id="CMSAME"))
    # Labels of that content carry the producer's ProduceID again: that is allowed.
    store.record(make_record(verb="label", produce_id="CMSAME", propagate_id="CMP1"))


def test_a_deleted_database_file_is_reported_and_refuses_writes(tmp_path, make_record: MakeRecord) -> None:
    with RegistryStore(f"sqlite:///{tmp_path / 'r.sqlite3'}") as store:
        store.create_schema()
        assert store.check() is None
        store.record(make_record())
        for path in tmp_path.glob("r.sqlite3*"):
            path.unlink()
        assert store.check() == "the registry database file is gone"
        with pytest.raises(RegistryUnavailable):
            store.record(make_record())
        assert store.errors >= 2
        assert not list(tmp_path.glob("r.sqlite3*"))
def test_purge_keeps_six_months(store: RegistryStore, make_record: MakeRecord) -> None:
    now = T0 + timedelta(days=400)
    old = make_record(created_at=now - timedelta(days=184))
    kept = make_record(created_at=now - timedelta(days=182))
    store.record(old)
    store.record(kept)
    result = store.purge(now=now)
    assert (result.records, result.cutoff) == (1, now - timedelta(days=183))
    assert store.get_by_request(old.tenant, old.request_id) is None
    assert store.get_by_request(kept.tenant, kept.request_id) == kept
    assert store.purge(retention=timedelta(days=365), now=now).records == 0
    with pytest.raises(ValueError, match="183 days"):
        store.purge(retention=timedelta(days=30), now=now)


def test_watermark_binding_tells_a_copied_mark(store: RegistryStore, make_record: MakeRecord) -> None:
    from clearmark.service.registry.perceptual import IMAGE, TEXT, PerceptualHash

    record = make_record(watermark_id="ab" * 8, perceptual=PerceptualHash(IMAGE, 0x0F0F_0000_FFFF_1234))
    store.record(record)
    same = store.watermark_binding("AB" * 8, PerceptualHash(IMAGE, 0x0F0F_0000_FFFF_1234 ^ 0b111))
    assert same is not None and same.matches and same.distance == 3 and same.record_id == record.record_id
    other = store.watermark_binding("ab" * 8, PerceptualHash(IMAGE, ~0x0F0F_0000_FFFF_1234 & (2**64 - 1)))
    assert other is not None and other.matches is False and other.distance == 64
    unknown_kind = store.watermark_binding("ab" * 8, PerceptualHash(TEXT, 1))
    assert unknown_kind is not None and unknown_kind.matches is None
    assert store.watermark_binding("cd" * 8, None) is None
