"""Alembic migrations, run when the store opens.

Alembic is only imported when the store is not already at ``HEAD`` (a test checks that
``HEAD`` is the scripts' head), so a normal start-up pays one small query.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
HEAD = "0002"


def current_revision(connection: Connection) -> str | None:
    try:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except OperationalError:  # no such table: a new store
        return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the store up to ``revision`` (all migrations by default)."""
    if revision == "head":
        with engine.connect() as connection:
            if current_revision(connection) == HEAD:
                return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def script_head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()
