"""Registry fixtures: stores on each backend (``registry_url`` from tests/service/conftest.py), records."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from clearmark.core.enums import AppliedLabel
from clearmark.service.registry import ProvenanceRecord, RegistryStore

T0 = datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
MakeRecord = Callable[..., ProvenanceRecord]


def sha(value: str) -> str:
    """The hex SHA-256 of ``value``."""
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture
def store(registry_url: str) -> Iterator[RegistryStore]:
    with RegistryStore(registry_url) as registry:
        registry.migrate()
        yield registry


@pytest.fixture
def open_store(registry_url: str) -> Iterator[Callable[[], RegistryStore]]:
    """Open more stores on the same database (other replicas); all closed at the end."""
    opened: list[RegistryStore] = []

    def factory() -> RegistryStore:
        opened.append(RegistryStore(registry_url))
        return opened[-1]

    yield factory
    for registry in opened:
        registry.close()


@pytest.fixture
def make_record() -> MakeRecord:
    counter = iter(range(1_000_000))

    def factory(**overrides: object) -> ProvenanceRecord:
        n = next(counter)
        base = ProvenanceRecord(
            record_id=uuid.uuid4().hex,
            request_id=f"req-{n}",
            tenant="tenant-a",
            verb="stamp",
            media_type="image/png",
            produce_id=f"produce-{n}",
            propagate_id="",
            producer_code="91110000MA0000000X",
            propagator_code="",
            label_value='{"AIGC":{"Label":"1"}}',
            input_sha256=sha(f"in-{n}"),
            output_sha256=sha(f"out-{n}"),
            labels_applied=(AppliedLabel.EXPLICIT_NOTICE, AppliedLabel.METADATA_PRODUCER),
            model="painter-v2",
            created_at=T0 + timedelta(minutes=n),
            details=(("notice", '{"x": 10, "y": 20}'), ("说明", "显式标识")),
        )
        return replace(base, **overrides)  # type: ignore[arg-type]

    return factory
