"""Tables as a migration test writes them at an older revision: lightweight
``sa.table`` clauses (not the current models, whose columns may be newer), and the
helpers the migration tests share."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

ID = sa.Uuid(as_uuid=False)
WHEN = sa.DateTime(timezone=True)
T0 = datetime(2026, 11, 24, 9, tzinfo=UTC)


def table(table_name: str, /, **columns: Any) -> sa.TableClause:
    return sa.table(table_name, *(sa.column(n, t) for n, t in columns.items()))


USERS = table(
    "users", id=ID, username=sa.String, full_name=sa.String, role=sa.String,
    password_hash=sa.String, created_at=WHEN, updated_at=WHEN,
)  # fmt: skip


def new_id() -> str:
    return str(uuid.uuid4())


def uuid_text(value: Any) -> str | None:
    """A UUID as read back (SQLite keeps 32 hex digits) in its canonical text."""
    return None if value is None else str(uuid.UUID(str(value)))
