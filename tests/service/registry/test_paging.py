"""Lookup pages (AIP-158): every record once, newest first, tokens bound to their query.

The records are Labels of one stamped picture: many records share its ProduceID.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.service.registry.conftest import T0, MakeRecord

from clearmark.service.registry import RegistryStore


def test_pages_cover_every_record_once_in_order(store: RegistryStore, make_record: MakeRecord) -> None:
    # Ties on created_at too: the second half shares one timestamp.
    records = [
        make_record(verb="label", produce_id="P", created_at=T0 + timedelta(minutes=min(i, 12))) for i in range(25)
    ]
    for record in records:
        store.record(record)
    store.record(make_record(produce_id="other"))
    seen, token, pages = [], "", 0
    while True:
        page = store.find_page("tenant-a", produce_id="P", page_size=10, page_token=token)
        seen += page.records
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert pages == 3
    assert len(seen) == 25 and {r.record_id for r in seen} == {r.record_id for r in records}
    assert [r.created_at for r in seen] == sorted((r.created_at for r in seen), reverse=True)
    assert seen[:10] == store.find("tenant-a", produce_id="P", limit=10)


def test_exact_page_has_no_next_token(store: RegistryStore, make_record: MakeRecord) -> None:
    for _ in range(4):
        store.record(make_record(verb="label", produce_id="P"))
    assert store.find_page("tenant-a", produce_id="P", page_size=4).next_page_token == ""


@pytest.mark.parametrize("token", ["garbage", "eyJxIjoxfQ", "!!!"])
def test_malformed_token_is_refused(store: RegistryStore, token: str) -> None:
    with pytest.raises(ValueError):
        store.find_page("tenant-a", produce_id="P", page_token=token)


def test_token_of_another_query_or_tenant_is_refused(store: RegistryStore, make_record: MakeRecord) -> None:
    for _ in range(3):
        store.record(make_record(verb="label", produce_id="P"))
    token = store.find_page("tenant-a", produce_id="P", page_size=1).next_page_token
    assert token
    with pytest.raises(ValueError):
        store.find_page("tenant-a", produce_id="Q", page_token=token)
    with pytest.raises(ValueError):
        store.find_page("tenant-b", produce_id="P", page_token=token)
    with pytest.raises(ValueError):
        store.find_page(None, produce_id="P", page_token=token)


def test_auditor_pages_across_tenants(store: RegistryStore, make_record: MakeRecord) -> None:
    for tenant in ("tenant-a", "tenant-b", "tenant-c"):
        store.record(make_record(verb="label", tenant=tenant, produce_id="P"))
    first = store.find_page(None, produce_id="P", page_size=2)
    second = store.find_page(None, produce_id="P", page_size=2, page_token=first.next_page_token)
    assert {r.tenant for r in first.records + second.records} == {"tenant-a", "tenant-b", "tenant-c"}
    assert second.next_page_token == ""
