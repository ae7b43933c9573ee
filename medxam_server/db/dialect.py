"""The one place that knows PostgreSQL from SQLite.

Services ask here (``is_postgres``, ``insert_for``, ``any_of``, ``statement_for``) instead
of reading ``session.get_bind().dialect`` themselves, so a dialect difference is visible
in one module. PostgreSQL's ``COPY`` lives beside it in ``pg_copy``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def any_of(
    column: ColumnElement[Any] | QueryableAttribute[Any], name: str, postgres: bool
) -> ColumnElement[bool]:
    """``column IN :name`` for a list parameter. On PostgreSQL it is ``= ANY(array)``: the
    statement text is the same whatever the list's length, so SQLAlchemy need not expand
    it on every call and psycopg prepares it once (B4)."""
    if postgres:
        return column == any_(bindparam(name, type_=postgresql.ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def statement_for(session: Session, build: Callable[[bool], T]) -> T:
    """The statement ``build(postgres)`` makes for this session's database, built once
    per process: ingest's hot queries are not rebuilt for every batch."""
    return _built(build, is_postgres(session))  # type: ignore[no-any-return]


@cache
def _built(build: Callable[[bool], Any], postgres: bool) -> Any:
    return build(postgres)


def insert_for(session: Session, table: Any) -> Any:
    return insert_into(table, is_postgres(session))


def insert_into(table: Any, postgres: bool) -> Any:
    """The dialect's ``INSERT`` (with ``on_conflict_*``) into ``table``."""
    return (postgresql.insert if postgres else sqlite.insert)(table)
