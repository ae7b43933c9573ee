"""The ``attempt_questions`` table's row module for the fold: its statements live here,
beside the rows they write, as the attempts table's do in ``attempt_rows``.

Each write is one statement (or one COPY) for a whole batch. On PostgreSQL rows travel
by ``COPY`` when they must all be new, otherwise as one JSON array read back into rows
by a short, constant statement; on SQLite, SQLAlchemy's multi-row ``INSERT ... ON
CONFLICT`` does the same jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, or_, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect, pg_copy
from medxam_server.models import MASK_LABELS, AttemptQuestion, answer_mask
from medxam_server.rules.records import labels_json
from medxam_server.services.sync.statements import copied_new

ANSWERS = AttemptQuestion.__table__
ANSWER_KEYS = ["attempt_id", "question_id"]
ANSWER_COLUMNS = (
    "position",
    "answer",
    "answer_mask",
    "answered_at",
    "flagged",
    "answer_seq",
    "time_spent_ms",
    "time_seq",
    "is_correct",
    "points_awarded_units",
)

# Answer rows travel as one JSON array of positional arrays (ANSWER_FIELDS order) read
# with jsonb_array_elements: about a third cheaper for the server to parse than objects
# through json_to_recordset, and shorter to encode.
ANSWER_FIELDS = ("attempt_id", "question_id", *ANSWER_COLUMNS)
_PG_INSERT_ANSWERS = """
    INSERT INTO attempt_questions (attempt_id, question_id, position, answer, answer_mask,
        answered_at, flagged, answer_seq, time_spent_ms, time_seq, is_correct,
        points_awarded_units)
    SELECT CAST(e->>0 AS uuid), CAST(e->>1 AS uuid), CAST(e->>2 AS integer), e->3,
        CAST(e->>4 AS bigint), CAST(e->>5 AS timestamptz), CAST(e->>6 AS boolean),
        CAST(e->>7 AS bigint), CAST(e->>8 AS bigint), CAST(e->>9 AS bigint),
        CAST(e->>10 AS boolean), CAST(e->>11 AS bigint)
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) AS e
    ORDER BY 1, 2
    ON CONFLICT (attempt_id, question_id) DO UPDATE SET
"""
_PG_UPSERT_ANSWERS = text(
    _PG_INSERT_ANSWERS
    + """
        answer = CASE WHEN excluded.answer_seq > attempt_questions.answer_seq
                      THEN excluded.answer ELSE attempt_questions.answer END,
        answer_mask = CASE WHEN excluded.answer_seq > attempt_questions.answer_seq
                      THEN excluded.answer_mask ELSE attempt_questions.answer_mask END,
        answered_at = CASE WHEN excluded.answer_seq > attempt_questions.answer_seq
                      THEN excluded.answered_at ELSE attempt_questions.answered_at END,
        flagged = CASE WHEN excluded.answer_seq > attempt_questions.answer_seq
                      THEN excluded.flagged ELSE attempt_questions.flagged END,
        answer_seq = GREATEST(excluded.answer_seq, attempt_questions.answer_seq),
        time_spent_ms = CASE WHEN excluded.time_seq > attempt_questions.time_seq
                      THEN excluded.time_spent_ms ELSE attempt_questions.time_spent_ms END,
        time_seq = GREATEST(excluded.time_seq, attempt_questions.time_seq)
    """
)
_PG_REPLACE_ANSWERS = text(
    _PG_INSERT_ANSWERS + ", ".join(f"{name} = excluded.{name}" for name in ANSWER_COLUMNS)
)


# A folded answer row, in ANSWER_FIELDS order: attempt_id, question_id, position, answer,
# answer_mask, answered_at (RFC 3339 text), flagged, answer_seq, time_spent_ms, time_seq,
# is_correct, points_awarded_units. A tuple: the fold makes one per answer of every
# rebuilt attempt.
AnswerRow = tuple[
    str, str, int, list[str], int, str | None, bool, int, int, int, bool | None, int | None
]
_ONE_LABEL_MASK = {label: answer_mask([label]) for label in MASK_LABELS}


def mask(labels: list[str]) -> int:
    """``answer_mask(labels)``, looked up for the usual one-label answer."""
    if len(labels) == 1:
        found = _ONE_LABEL_MASK.get(labels[0])
        if found is not None:
            return found
    return answer_mask(labels)


def upsert_answers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Apply answers and times so that the highest ``seq`` wins, whatever the order.

    A row carries ``answer_seq = 0`` when it only sets the time, ``time_seq = 0`` when it
    only sets the answer: a zero never beats what is stored.
    """
    if not rows:
        return
    if dialect.is_postgres(session):
        session.connection().execute(_PG_UPSERT_ANSWERS, {"rows": _json_rows(rows)})
        return
    statement = dialect.insert_for(session, ANSWERS)
    new, old = statement.excluded, ANSWERS.c
    answer_wins = new.answer_seq > old.answer_seq
    time_wins = new.time_seq > old.time_seq
    statement = statement.on_conflict_do_update(
        index_elements=ANSWER_KEYS,
        set_={
            "answer": case((answer_wins, new.answer), else_=old.answer),
            "answer_mask": case((answer_wins, new.answer_mask), else_=old.answer_mask),
            "answered_at": case((answer_wins, new.answered_at), else_=old.answered_at),
            "flagged": case((answer_wins, new.flagged), else_=old.flagged),
            "answer_seq": case((answer_wins, new.answer_seq), else_=old.answer_seq),
            "time_spent_ms": case((time_wins, new.time_spent_ms), else_=old.time_spent_ms),
            "time_seq": case((time_wins, new.time_seq), else_=old.time_seq),
        },
    )
    ordered = sorted(rows, key=lambda r: (r["attempt_id"], r["question_id"]))
    session.connection().execute(statement, ordered)


def replace_answers(
    session: Session, attempt_ids: Sequence[str], rows: Sequence[AnswerRow]
) -> None:
    """Make the synced answers of the attempts in ``rows`` exactly ``rows`` (recomputed
    folds); ``attempt_ids`` are those among them that may already have answer rows.

    Rows written online (endpoint 6, both seqs 0) are left alone unless a row replaces them.
    """
    if attempt_ids:
        session.connection().execute(
            dialect.statement_for(session, _delete_synced_answers), {"ids": list(attempt_ids)}
        )
    if not rows:
        return
    if dialect.is_postgres(session):
        # By COPY (a third of the database's CPU of the JSON insert): after the delete
        # only an online row (seqs 0) or another transaction's new row can be in the way,
        # and then the rows are upserted instead.
        if copied_new(session, "attempt_questions", ANSWER_FIELDS, _answer_lines(rows)):
            return
        session.connection().execute(_PG_REPLACE_ANSWERS, {"rows": _json_rows(rows)})
        return
    statement = dialect.insert_for(session, ANSWERS)
    statement = statement.on_conflict_do_update(
        index_elements=ANSWER_KEYS,
        set_={name: statement.excluded[name] for name in ANSWER_COLUMNS},
    )
    session.connection().execute(statement, _row_dicts(rows))


def _delete_synced_answers(postgres: bool) -> Executable:
    return delete(AttemptQuestion).where(
        dialect.any_of(AttemptQuestion.attempt_id, "ids", postgres),
        or_(AttemptQuestion.answer_seq > 0, AttemptQuestion.time_seq > 0),
    )


def insert_new_answers(session: Session, rows: Sequence[AnswerRow]) -> None:
    """Insert the answer rows of attempts created in this transaction (none can exist yet,
    so PostgreSQL takes them by COPY)."""
    if not rows:
        return
    if dialect.is_postgres(session):
        pg_copy.copy_lines(session, "attempt_questions", ANSWER_FIELDS, _answer_lines(rows))
    else:
        replace_answers(session, (), rows)


def _answer_lines(rows: Sequence[AnswerRow]) -> Iterator[str]:
    """Answer rows as COPY lines (``ANSWER_FIELDS``)."""
    null = pg_copy.NULL
    for aid, qid, position, answer, mask_, answered, flagged, a_seq, ms, t_seq, ok, pts in rows:
        yield (
            f"{aid}\t{qid}\t{position}\t{_answer_text(answer)}\t{mask_}\t"
            f"{answered or null}\t{'t' if flagged else 'f'}\t"
            f"{a_seq}\t{ms}\t{t_seq}\t{null if ok is None else 't' if ok else 'f'}\t"
            f"{null if pts is None else pts}\n"
        )


def _answer_text(labels: list[str]) -> str:
    """An answer row's labels as a COPY field (they were checked on arrival)."""
    text = labels_json(labels)
    if text is None:
        raise ValueError(f"not a list of option labels: {labels!r}")
    return pg_copy.json_text(text)


def _json_rows(rows: Sequence[dict[str, Any]] | Sequence[AnswerRow]) -> str:
    """Answer rows as one JSON array of arrays in ``ANSWER_FIELDS`` order (times as
    RFC 3339 strings; a field a row lacks, such as the scoring of a running attempt, null)."""
    positional = [
        [row.get(name) for name in ANSWER_FIELDS] if isinstance(row, dict) else row for row in rows
    ]
    return json.dumps(positional, default=_json_default, separators=(",", ":"))


def _row_dicts(rows: Sequence[AnswerRow]) -> list[dict[str, Any]]:
    """Folded rows as SQLAlchemy parameters (the time as a datetime again)."""
    dicts = []
    for row in rows:
        values: dict[str, Any] = dict(zip(ANSWER_FIELDS, row, strict=True))
        if row[5] is not None:
            values["answered_at"] = datetime.fromisoformat(row[5])
        dicts.append(values)
    return dicts


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")
