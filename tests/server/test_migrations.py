"""Migrations run on SQLite and PostgreSQL, and the result equals the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from medxam_server.models import Base


def test_migrated_schema_equals_the_models(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert "alembic_version" in tables
    assert set(Base.metadata.tables) <= tables


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    upgrade(engine)
    engine.dispose()
