"""Migrations run on SQLite and PostgreSQL, and the result equals the models.

Two checks, as SecureDrop's client does it (``tests/test_alembic.py``): Alembic's own
comparison of the migrated database with the models finds nothing to generate, and the
migrated schema read back from the database is the one ``create_all`` makes from the
models, down to what autogenerate does not look at (constraint names, check
constraints, primary keys, column order).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from medxam_server.models import Base
from tests.conftest import _fresh_postgres


@pytest.fixture
def models_database_url(
    empty_database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second empty database of the same kind, for ``Base.metadata.create_all``."""
    if empty_database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'models.sqlite3'}"
        return
    yield from _fresh_postgres(request.getfixturevalue("postgres_admin_url"), None)


def schema(engine: Engine) -> dict[str, dict[str, Any]]:
    """Every table as the database describes it (less Alembic's own)."""
    inspector = inspect(engine)
    tables: dict[str, dict[str, Any]] = {}
    for name in inspector.get_table_names():
        if name == "alembic_version":
            continue
        tables[name] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(name)
            ],
            "primary key": inspector.get_pk_constraint(name),
            "foreign keys": sorted(
                (
                    f["name"] or "",
                    f["constrained_columns"],
                    f["referred_table"],
                    f["referred_columns"],
                    sorted(f.get("options", {}).items()),
                )
                for f in inspector.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (i["name"] or "", i["column_names"], i["unique"])
                for i in inspector.get_indexes(name)
            ),
            "unique": sorted(
                (u["name"] or "", u["column_names"]) for u in inspector.get_unique_constraints(name)
            ),
            "checks": sorted(
                (c["name"] or "", c["sqltext"]) for c in inspector.get_check_constraints(name)
            ),
        }
    return tables


def test_migrated_schema_equals_the_models(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as connection:
        options = {"compare_type": True, "compare_server_default": True}
        context = MigrationContext.configure(connection, opts=options)
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    engine.dispose()
    assert differences == []
    assert "alembic_version" in tables
    assert set(Base.metadata.tables) <= tables


def test_migrated_schema_reads_back_as_the_one_create_all_makes(
    empty_database_url: str, models_database_url: str
) -> None:
    migrated = make_engine(empty_database_url)
    from_models = make_engine(models_database_url)
    try:
        upgrade(migrated)
        Base.metadata.create_all(from_models)
        expected = schema(from_models)
        actual = schema(migrated)
    finally:
        migrated.dispose()
        from_models.dispose()
    assert sorted(actual) == sorted(expected)
    for table, parts in expected.items():
        for part, value in parts.items():
            assert actual[table][part] == value, f"{table}: {part} differ"


def test_upgrade_twice_is_harmless(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine)
    upgrade(engine)
    engine.dispose()
