"""The attempts table's row module for batch sync: attempts as plain rows, read with one
Core select, written back with one COPY or executemany INSERT (new attempts) and one
executemany UPDATE (changed ones). Its statements live here, beside the rows they read
and write, not in ``statements`` (the sync tables' own SQL).

The fold touches up to a few dozen attempts per batch; loading and flushing them as ORM
objects cost more Python than computing the fold itself.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect, pg_copy
from medxam_server.models import Attempt, utcnow


@dataclass(slots=True)
class AttemptRow:
    """The columns of an attempt the fold reads or writes."""

    id: str
    delivery_id: str
    exam_id: str
    taker_id: str
    workstation_id: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    score_units: int | None
    penalty_units: int | None
    max_score_units: int
    score_source: str
    created_by: str
    integrity: str
    record_count: int | None
    digest: str | None
    receipt_code: str | None
    updated_at: datetime | None = None
    loaded: tuple[Any, ...] | None = field(default=None, compare=False)  # as read

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _NAMES)


_COLUMNS = (
    Attempt.id,
    Attempt.delivery_id,
    Attempt.exam_id,
    Attempt.taker_id,
    Attempt.workstation_id,
    Attempt.status,
    Attempt.started_at,
    Attempt.finished_at,
    Attempt.score_units,
    Attempt.penalty_units,
    Attempt.max_score_units,
    Attempt.score_source,
    Attempt.created_by,
    Attempt.integrity,
    Attempt.record_count,
    Attempt.digest,
    Attempt.receipt_code,
    Attempt.updated_at,
)
_NAMES = tuple(column.key for column in _COLUMNS)
_INSERTED = (*_NAMES, "created_at")  # the columns a new attempt is inserted with
_UPDATED_AT = _NAMES.index("updated_at")
_WRITTEN = (
    "status",
    "finished_at",
    "score_units",
    "penalty_units",
    "max_score_units",
    "record_count",
    "digest",
    "receipt_code",
    "integrity",
    "updated_at",
)
_UPDATE = (
    update(Attempt)
    .where(Attempt.id == bindparam("b_id"))
    .values({name: bindparam(name) for name in _WRITTEN})
)


def load_attempts(session: Session, attempt_ids: Sequence[str]) -> dict[str, AttemptRow]:
    """The existing attempts among ``attempt_ids`` (one query)."""
    if not attempt_ids:
        return {}
    found = {}
    query = dialect.statement_for(session, _attempts_by_id)
    rows = session.connection().execute(query, {"ids": list(attempt_ids)})
    for values in rows:
        row = AttemptRow(**dict(zip(_NAMES, values, strict=True)))
        row.id = str(row.id)
        row.loaded = row.values()
        found[row.id] = row
    return found


def _attempts_by_id(postgres: bool) -> Executable:
    return select(*_COLUMNS).where(dialect.any_of(Attempt.id, "ids", postgres))


def insert_attempts(session: Session, attempts: Iterable[AttemptRow]) -> None:
    """Insert new attempts (one COPY on PostgreSQL, one executemany on SQLite); they then
    count as loaded as they are."""
    now = utcnow()
    rows = []
    for attempt in attempts:
        attempt.updated_at = attempt.updated_at or now
        attempt.loaded = attempt.values()
        rows.append((*attempt.loaded, now))
    if not rows:
        return
    if dialect.is_postgres(session):
        lines = ("\t".join(map(pg_copy.field, row)) + "\n" for row in rows)
        pg_copy.copy_lines(session, "attempts", _INSERTED, lines)
    else:
        params = [dict(zip(_INSERTED, row, strict=True)) for row in rows]
        session.connection().execute(insert(Attempt), params)


def write_changed(session: Session, attempts: Iterable[AttemptRow]) -> None:
    """Write back the attempts changed since they were read (one executemany UPDATE);
    ``updated_at`` moves with any change, as the ORM's ``onupdate`` does."""
    rows = []
    now = utcnow()
    for attempt in attempts:
        if attempt.loaded == attempt.values():
            continue
        if attempt.loaded is not None and attempt.updated_at == attempt.loaded[_UPDATED_AT]:
            attempt.updated_at = now
        rows.append({"b_id": attempt.id} | {name: getattr(attempt, name) for name in _WRITTEN})
        attempt.loaded = attempt.values()
    if rows:
        session.connection().execute(_UPDATE, rows)


def write_attempts(session: Session, attempts: Collection[AttemptRow]) -> None:
    """Write a batch's attempts once, after the integrity check: those it created are
    inserted (integrity and all), the others updated where they changed; then the
    session's pending objects (the integrity check's alerts) are flushed with them."""
    insert_attempts(session, [a for a in attempts if a.loaded is None])
    write_changed(session, attempts)
    session.flush()
