"""Migrations: a fresh database reaches head, the models match it, a create_all database is adopted."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from tests.service.registry.conftest import MakeRecord

from clearmark.service.registry import RegistryStore
from clearmark.service.registry.models import Base
from clearmark.service.registry.schema import alembic_config, current_revision, head_revision


def test_fresh_database_reaches_head_and_matches_the_models(registry_url: str) -> None:
    with RegistryStore(registry_url) as store:
        store.migrate()
        store.migrate()  # idempotent
        assert current_revision(store.engine) == head_revision()
        with store.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
        assert {"provenance_records", "replays", "alembic_version"} <= set(inspect(store.engine).get_table_names())


def test_downgrade_and_upgrade_again(registry_url: str) -> None:
    with RegistryStore(registry_url) as store:
        store.migrate()
        with store.engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0001")
        assert "replays" not in inspect(store.engine).get_table_names()
        store.migrate()
        assert current_revision(store.engine) == head_revision()


def test_create_all_database_is_adopted_and_keeps_its_records(registry_url: str, make_record: MakeRecord) -> None:
    """A registry made by the pre-Alembic create_all (revision 0001's tables, no alembic_version)."""
    RegistryStore(registry_url).close()  # creates a SQLite file's directory
    engine = create_engine(registry_url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
    rec = make_record()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO provenance_records (record_id, tenant, request_id, verb, media_type, produce_id,"
                " propagate_id, producer_code, propagator_code, label_value, input_sha256, output_sha256,"
                " labels_applied, model, created_at, details, watermark_id) VALUES (:record_id, :tenant,"
                " :request_id, 'stamp', 'image/png', :produce_id, '', 'P', '', '{}', :i, :o, '', '', :t, '{}', '')"
            ),
            {
                "record_id": rec.record_id,
                "tenant": rec.tenant,
                "request_id": rec.request_id,
                "produce_id": rec.produce_id,
                "i": rec.input_sha256,
                "o": rec.output_sha256,
                "t": rec.created_at,
            },
        )
    engine.dispose()
    with RegistryStore(registry_url) as store:
        assert current_revision(store.engine) is None
        store.migrate()
        assert current_revision(store.engine) == head_revision()
        loaded = store.get_by_request(rec.tenant, rec.request_id)
        assert loaded is not None and loaded.produce_id == rec.produce_id and loaded.perceptual is None


def test_database_from_before_the_watermark_key_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "0001")
        connection.execute(text("DROP TABLE alembic_version"))
        connection.execute(text("DROP INDEX ix_provenance_watermark_id"))
        connection.execute(text("ALTER TABLE provenance_records DROP COLUMN watermark_id"))
    engine.dispose()
    with RegistryStore(url) as store:
        store.migrate()
        columns = {c["name"] for c in inspect(store.engine).get_columns("provenance_records")}
        assert {"watermark_id", "perceptual_hash", "perceptual_kind", "keyframe_hashes"} <= columns
        assert current_revision(store.engine) == head_revision()
