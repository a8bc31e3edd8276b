"""Brings a registry database to the newest schema with the Alembic migrations shipped in this package.

A database made by the old ``create_all`` (tables, no ``alembic_version``) is adopted: stamped at
the revision it matches, then upgraded like any other.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision a pre-Alembic database matches (the create_all schema with the watermark key).
ADOPTED_REVISION = "0001"
_PG_LOCK = 0x434C4D4B  # "CLMK": one migrator at a time across replicas


def alembic_config(connection: Connection | None = None, url: str = "") -> Config:
    """An Alembic configuration pointing at the packaged migrations (for scripts and tests)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision shipped."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision a database is at (None: never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema(engine: Engine) -> None:
    """Migrate to the head revision; adopt a ``create_all`` database first. Safe to run concurrently on PostgreSQL."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
        _adopt_unversioned(connection)
        command.upgrade(alembic_config(connection), "head")


def _adopt_unversioned(connection: Connection) -> None:
    tables = set(inspect(connection).get_table_names())
    if "provenance_records" not in tables or "alembic_version" in tables:
        return
    columns = {column["name"] for column in inspect(connection).get_columns("provenance_records")}
    if "watermark_id" not in columns:  # a database from before the watermark key existed
        connection.execute(
            text("ALTER TABLE provenance_records ADD COLUMN watermark_id VARCHAR(64) NOT NULL DEFAULT ''")
        )
        connection.execute(text("CREATE INDEX ix_provenance_watermark_id ON provenance_records (watermark_id)"))
    command.stamp(alembic_config(connection), ADOPTED_REVISION)
