"""Engine and session factory for PostgreSQL and the embedded SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from medxam_server.db import pg_times


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 20, pool_timeout: float = 10.0
) -> Engine:
    """An engine tuned for the backend: pooled PostgreSQL, or SQLite in WAL mode."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(
        url,
        pool_pre_ping=True,
        # A request that finds no free connection within pool_timeout answers 503 with
        # Retry-After (api/problems.py): an overload makes clients back off, never hang.
        pool_timeout=pool_timeout,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"connect_timeout": 5},
    )
    # A stored time Python cannot hold reads as the nearest one it can (pg_times).
    event.listen(engine, "connect", pg_times.register)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def ping(engine: Engine) -> None:
    """A real round trip to the database; raises if it is unreachable."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
