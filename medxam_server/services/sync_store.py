"""The set-based statements of ingest, for PostgreSQL and SQLite alike.

Each function is one statement for a whole batch (``INSERT ... ON CONFLICT`` with
SQLAlchemy's multi-row ``insertmanyvalues``), never a round trip per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import case, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from medxam_server.models import AttemptQuestion, SyncRecord

RECORDS = SyncRecord.__table__
ANSWERS = AttemptQuestion.__table__
ANSWER_KEYS = ["attempt_id", "question_id"]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_for(session: Session, table: Any) -> Any:
    return (postgresql.insert if is_postgres(session) else sqlite.insert)(table)


def insert_records(session: Session, rows: Sequence[dict[str, Any]]) -> set[str]:
    """Insert sync records; the ids actually inserted (others were already held)."""
    if not rows:
        return set()
    statement = insert_for(session, RECORDS).on_conflict_do_nothing().returning(RECORDS.c.id)
    result = session.connection().execute(statement, list(rows))
    return {str(row_id) for row_id in result.scalars()}


def upsert_answers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Apply answers and times so that the highest ``seq`` wins, whatever the order.

    A row carries ``answer_seq = 0`` when it only sets the time, ``time_seq = 0`` when it
    only sets the answer: a zero never beats what is stored.
    """
    if not rows:
        return
    statement = insert_for(session, ANSWERS)
    new, old = statement.excluded, ANSWERS.c
    answer_wins = new.answer_seq > old.answer_seq
    time_wins = new.time_seq > old.time_seq
    statement = statement.on_conflict_do_update(
        index_elements=ANSWER_KEYS,
        set_={
            "answer": case((answer_wins, new.answer), else_=old.answer),
            "answered_at": case((answer_wins, new.answered_at), else_=old.answered_at),
            "flagged": case((answer_wins, new.flagged), else_=old.flagged),
            "answer_seq": case((answer_wins, new.answer_seq), else_=old.answer_seq),
            "time_spent_ms": case((time_wins, new.time_spent_ms), else_=old.time_spent_ms),
            "time_seq": case((time_wins, new.time_seq), else_=old.time_seq),
        },
    )
    ordered = sorted(rows, key=lambda r: (r["attempt_id"], r["question_id"]))
    session.connection().execute(statement, ordered)


def replace_answers(session: Session, attempt_id: str, rows: Sequence[dict[str, Any]]) -> None:
    """Make the attempt's synced answers exactly ``rows`` (a recomputed fold).

    Rows written online (endpoint 6, both seqs 0) are left alone unless a row replaces them.
    """
    session.connection().execute(
        delete(AttemptQuestion).where(
            AttemptQuestion.attempt_id == attempt_id,
            or_(AttemptQuestion.answer_seq > 0, AttemptQuestion.time_seq > 0),
        )
    )
    if not rows:
        return
    statement = insert_for(session, ANSWERS)
    statement = statement.on_conflict_do_update(
        index_elements=ANSWER_KEYS,
        set_={
            name: statement.excluded[name]
            for name in (
                "position",
                "answer",
                "answered_at",
                "flagged",
                "answer_seq",
                "time_spent_ms",
                "time_seq",
            )
        },
    )
    session.connection().execute(statement, list(rows))


def insert_rows(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(table.insert(), list(rows))
