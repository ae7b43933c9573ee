"""Reading PostgreSQL times that Python cannot hold, without failing the read.

``timestamptz`` reaches from 4713 BC to 294276 AD; a ``datetime`` only from year 1 to
9999 in the connection's time zone. psycopg raises ``DataError`` for a value outside
(a stored 9999-12-31T23:59:59-14:00 is year 10000 in UTC), and SQLAlchemy's handler
made every read that met such a row answer 422 (issue 13, finding 1). The server no
longer accepts such times (``services.time_window``) and migration 0005 quarantines
those already stored; this loader is the last guard: such a value reads as the nearest
time Python can hold (``datetime.min`` or ``datetime.max``, in UTC), so a read shows
the row instead of failing, and the value says plainly that it is off the scale.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.abc import AdaptContext, Buffer
from psycopg.adapt import Loader
from psycopg.postgres import types
from psycopg.pq import Format

_TIMESTAMPTZ = types["timestamptz"].oid
EARLIEST_READABLE = datetime.min.replace(tzinfo=UTC)
LATEST_READABLE = datetime.max.replace(tzinfo=UTC)


class BoundedTimestamptzLoader(Loader):
    """psycopg's own text loader for ``timestamptz`` (the C one when available), with a
    value out of Python's range read as the nearest end instead of raising."""

    format = Format.TEXT
    _inner_class = psycopg.adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        assert self._inner_class is not None
        self._inner = self._inner_class(oid, context)

    def load(self, data: Buffer) -> Any:
        try:
            return self._inner.load(data)
        except psycopg.DataError:
            # PostgreSQL writes a time before year 1 with a trailing " BC".
            return EARLIEST_READABLE if bytes(data).endswith(b"BC") else LATEST_READABLE


def register(connection: Any, _record: Any = None) -> None:
    """Use the bounded loader on a new psycopg connection (an engine "connect" hook)."""
    if isinstance(connection, psycopg.Connection):
        connection.adapters.register_loader(_TIMESTAMPTZ, BoundedTimestamptzLoader)
