"""``pg_copy``: values sent by COPY come back exactly (PostgreSQL only: COPY is its own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from medxam_server.db import pg_copy
from medxam_server.db.session import make_engine, make_session_factory, transaction

ROWS = [
    ("C:\\temp\\new\tline\nreturn\r end", 7, True, datetime(2026, 11, 24, 9, 12, 3, tzinfo=UTC)),
    ("\\N is not null here", -(2**40), False, None),
    (None, 0, None, datetime(2026, 11, 24, 9, 12, 3, 250000, tzinfo=timezone(timedelta(hours=5)))),
]


def test_fields_come_back_exactly(database_url: str) -> None:
    if not database_url.startswith("postgres"):
        pytest.skip("COPY is PostgreSQL's")
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            session.execute(
                text("CREATE TEMPORARY TABLE copied (t text, n bigint, b boolean, at timestamptz)")
            )
            lines = ("\t".join(map(pg_copy.field, row)) + "\n" for row in ROWS)
            pg_copy.copy_lines(session, "copied", ("t", "n", "b", "at"), lines)
            back = [tuple(row) for row in session.execute(text("SELECT * FROM copied"))]
        assert back == ROWS
    finally:
        engine.dispose()


def test_a_value_with_no_copy_text_is_refused() -> None:
    with pytest.raises(TypeError):
        pg_copy.field(1.5)
