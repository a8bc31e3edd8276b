"""Nearest-perceptual-hash lookup: an edited copy finds its record, other pictures and tenants do not."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from bench.images import photo_like
from PIL import Image
from tests.service.registry.conftest import MakeRecord

from clearmark.media.perceptual import image_phash, text_simhash
from clearmark.service.registry import RegistryStore
from clearmark.service.registry.perceptual import IMAGE, TEXT, PerceptualHash


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def _hash(image: Image.Image) -> PerceptualHash:
    return PerceptualHash(IMAGE, image_phash(image))


@pytest.fixture(scope="module")
def pictures() -> list[Image.Image]:
    return [photo_like(320, 240, seed=seed) for seed in range(1, 7)]


def test_edited_copy_finds_its_record(store: RegistryStore, make_record: MakeRecord, pictures: list) -> None:
    records = [make_record(perceptual=_hash(picture)) for picture in pictures]
    for record in records:
        store.record(record)
    store.record(make_record())  # a record without a hash is never a candidate
    original = pictures[2]
    copy = _jpeg(original.resize((160, 120)), 50)  # re-encoded, resized, no metadata
    found = store.find_similar("tenant-a", _hash(copy), max_distance=10)
    assert [f.record for f in found][:1] == [records[2]]
    assert found[0].distance <= 10
    assert all(f.distance >= found[0].distance for f in found)


def test_other_content_is_not_found(store: RegistryStore, make_record: MakeRecord, pictures: list) -> None:
    store.record(make_record(perceptual=_hash(pictures[0])))
    assert store.find_similar("tenant-a", _hash(pictures[1]), max_distance=10) == []
    # The same value as text is another kind of hash: never compared with pixels.
    assert store.find_similar("tenant-a", PerceptualHash(TEXT, _hash(pictures[0]).value), max_distance=10) == []


def test_tenants_and_auditors(store: RegistryStore, make_record: MakeRecord, pictures: list) -> None:
    mine = make_record(perceptual=_hash(pictures[0]))
    theirs = make_record(tenant="tenant-b", perceptual=_hash(pictures[0]))
    store.record(mine)
    store.record(theirs)
    target = _hash(pictures[0])
    assert [f.record for f in store.find_similar("tenant-a", target, max_distance=0)] == [mine]
    assert store.find_similar("tenant-c", target, max_distance=64) == []
    everyone = store.find_similar(None, target, max_distance=0)
    assert {f.record.record_id for f in everyone} == {mine.record_id, theirs.record_id}
    # Ties: the newest record first.
    assert everyone[0].record == max(mine, theirs, key=lambda r: r.created_at)


def test_text_simhash_lookup(store: RegistryStore, make_record: MakeRecord) -> None:
    text = (
        "生成式人工智能服务提供者应当对生成的文本添加显式标识。" * 6
        + "The quick brown fox jumps over the lazy dog. " * 4
    )
    record = make_record(media_type="text/plain", perceptual=PerceptualHash(TEXT, text_simhash(text)))
    store.record(record)
    edited = text.replace("quick", "quick,") + "\n(reposted)"
    found = store.find_similar("tenant-a", PerceptualHash(TEXT, text_simhash(edited)), max_distance=8)
    assert [f.record for f in found] == [record]


def test_records_of_another_replica_are_seen(
    store: RegistryStore, open_store: Callable[[], RegistryStore], make_record: MakeRecord, pictures: list
) -> None:
    store.record(make_record(perceptual=_hash(pictures[0])))
    assert len(store.find_similar("tenant-a", _hash(pictures[0]), max_distance=0)) == 1  # index loaded
    other = open_store()
    late = make_record(perceptual=_hash(pictures[1]))
    other.record(late)
    assert [f.record for f in store.find_similar("tenant-a", _hash(pictures[1]), max_distance=0)] == [late]


def test_purged_records_drop_out(store: RegistryStore, make_record: MakeRecord, pictures: list) -> None:
    old = make_record(perceptual=_hash(pictures[0]))
    store.record(old)
    assert store.find_similar("tenant-a", _hash(pictures[0]), max_distance=0)
    store.purge(now=old.created_at + timedelta(days=200))
    assert store.find_similar("tenant-a", _hash(pictures[0]), max_distance=0) == []


def test_limit_and_bad_arguments(store: RegistryStore, make_record: MakeRecord) -> None:
    rng = np.random.default_rng(7)
    base = int(rng.integers(0, 2**63))
    for bit in range(12):
        store.record(make_record(perceptual=PerceptualHash(IMAGE, base ^ (1 << bit))))
    found = store.find_similar("tenant-a", PerceptualHash(IMAGE, base), max_distance=1, limit=5)
    assert len(found) == 5 and {f.distance for f in found} == {1}
    with pytest.raises(ValueError):
        store.find_similar("tenant-a", PerceptualHash(IMAGE, base), max_distance=65)
    with pytest.raises(ValueError):
        store.find_similar("tenant-a", PerceptualHash(IMAGE, base), max_distance=3, limit=0)


def test_full_64_bit_values_round_trip(store: RegistryStore, make_record: MakeRecord) -> None:
    for value in (0, 1, 2**63 - 1, 2**63, 2**64 - 1):
        record = make_record(perceptual=PerceptualHash(IMAGE, value))
        store.record(record)
        assert store.get_by_request(record.tenant, record.request_id) == record
        assert [f.record for f in store.find_similar("tenant-a", PerceptualHash(IMAGE, value), max_distance=0)] == [
            record
        ]


def test_keyframe_hashes_round_trip(store: RegistryStore, make_record: MakeRecord) -> None:
    record = replace(make_record(media_type="video/mp4"), keyframe_hashes=(2**64 - 1, 5, 2**63))
    store.record(record)
    assert store.get_by_request(record.tenant, record.request_id) == record


def test_a_row_committed_after_a_higher_seq_is_still_loaded(store: RegistryStore, make_record: MakeRecord) -> None:
    """PostgreSQL hands out seqs at insert and shows rows at commit: a lower seq can appear late."""
    from sqlalchemy import update

    from clearmark.service.registry.models import ProvenanceRow

    late, early = make_record(), make_record(perceptual=PerceptualHash(IMAGE, 77))
    store.record(late)  # seq 1, no hash yet: invisible to the index
    store.record(early)  # seq 2
    assert len(store.find_similar("tenant-a", PerceptualHash(IMAGE, 77), max_distance=0)) == 1
    with store.engine.begin() as connection:  # the row with seq 1 "commits" its hash now
        connection.execute(
            update(ProvenanceRow)
            .where(ProvenanceRow.record_id == late.record_id)
            .values(perceptual_hash=5, perceptual_kind=IMAGE)
        )
    found = store.find_similar("tenant-a", PerceptualHash(IMAGE, 5), max_distance=0)
    assert [f.record.record_id for f in found] == [late.record_id]
    # Re-reading the window never duplicates a record.
    assert len(store.find_similar("tenant-a", PerceptualHash(IMAGE, 77), max_distance=0)) == 1
