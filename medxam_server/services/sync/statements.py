"""The set-based statements of ingest, for PostgreSQL and SQLite alike.

Each function is one statement (or one COPY) for a whole batch, never a round trip per
record. On PostgreSQL new rows travel by ``COPY`` (``pg_copy``) and updates as one JSON
array read back into rows by a short, constant statement; lists in queries are one array
parameter (``any_of``). On SQLite, SQLAlchemy's multi-row ``INSERT ... ON CONFLICT``
does the same jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, case, delete, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect, pg_copy
from medxam_server.models import AttemptQuestion, QuarantinedRecord, SyncRecord
from medxam_server.rules.records import ValidRecord, labels_json

T = TypeVar("T")
UNIQUE_VIOLATION = "23505"
RECORDS = SyncRecord.__table__
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

# The slower path when some record is already held: the batch is COPied into a staging
# table dropped at commit, then inserted with ON CONFLICT. One row comes back, not one per
# record: NULL when every row was inserted, otherwise the ids that were.
_PG_STAGE_RECORDS = text(
    "CREATE TEMPORARY TABLE IF NOT EXISTS sync_records_stage (LIKE sync_records) ON COMMIT DROP"
)
_PG_INSERT_STAGED = text(
    """
    WITH inserted AS (
        INSERT INTO sync_records SELECT * FROM sync_records_stage ORDER BY id
        ON CONFLICT DO NOTHING
        RETURNING id
    )
    SELECT CASE WHEN count(*) = :n THEN NULL
                ELSE COALESCE(array_agg(CAST(id AS text)), CAST('{}' AS text[])) END
    FROM inserted
    """
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


def held_hashes(session: Session, record_ids: Sequence[str]) -> dict[str, str]:
    """Record id -> content hash, for the ids already kept."""
    if not record_ids:
        return {}
    query = dialect.statement_for(session, _held_hashes)
    rows = session.connection().execute(query, {"ids": list(record_ids)})
    return {str(rid): content_hash for rid, content_hash in rows}


def _held_hashes(postgres: bool) -> Executable:
    return select(SyncRecord.id, SyncRecord.content_hash).where(
        dialect.any_of(SyncRecord.id, "ids", postgres)
    )


def quarantined(
    session: Session, workstation_id: str, record_ids: Sequence[str]
) -> dict[tuple[str | None, str], list[Any]]:
    """(record id, reason) -> the payloads already quarantined for them from this
    workstation."""
    if not record_ids:
        return {}
    query = dialect.statement_for(session, _quarantined_payloads)
    found: dict[tuple[str | None, str], list[Any]] = {}
    rows = session.connection().execute(query, {"ws": workstation_id, "ids": list(record_ids)})
    for record_id, reason, payload in rows:
        found.setdefault((record_id, reason), []).append(payload)
    return found


def _quarantined_payloads(postgres: bool) -> Executable:
    return select(
        QuarantinedRecord.record_id, QuarantinedRecord.reason, QuarantinedRecord.payload
    ).where(
        QuarantinedRecord.workstation_id == bindparam("ws"),
        dialect.any_of(QuarantinedRecord.record_id, "ids", postgres),
    )


def insert_records(
    session: Session, records: Sequence[ValidRecord], *, ws: str, batch_id: str, now: datetime
) -> set[str]:
    """Insert sync records; the ids actually inserted (others were already held)."""
    if not records:
        return set()
    if dialect.is_postgres(session):
        lines = _record_lines(records, ws=ws, batch_id=batch_id, now=now)
        if _copied_new(session, "sync_records", RECORD_COLUMNS, lines):
            return {r.id for r in records}
        # An id or seq already held: the slower, exact path.
        session.connection().execute(_PG_STAGE_RECORDS)
        pg_copy.copy_lines(session, "sync_records_stage", RECORD_COLUMNS, lines)
        inserted = session.connection().execute(_PG_INSERT_STAGED, {"n": len(records)}).scalar()
        return {r.id for r in records} if inserted is None else set(inserted)
    extra = {"workstation_id": ws, "batch_id": batch_id, "received_at": now}
    full = [_record_row(r, r.at) | extra for r in records]
    statement = (
        dialect.insert_for(session, RECORDS).on_conflict_do_nothing().returning(RECORDS.c.id)
    )
    return {str(row_id) for row_id in session.connection().execute(statement, full).scalars()}


def _copied_new(session: Session, table: str, columns: Sequence[str], lines: Iterable[str]) -> bool:
    """COPY rows that should all be new, inside a savepoint: False, with nothing written,
    when one of them is already there (a unique violation); the caller then takes its
    slower path that handles conflicts."""
    try:
        with session.begin_nested():
            pg_copy.copy_lines(session, table, columns, lines)
    except IntegrityError as exc:
        if getattr(exc.orig, "sqlstate", None) != UNIQUE_VIOLATION:
            raise
        return False
    return True


RECORD_COLUMNS = (
    "id",
    "workstation_id",
    "seq",
    "attempt_id",
    "kind",
    "at",
    "data",
    '"by"',
    "question_id",
    "content_hash",
    "batch_id",
    "received_at",
)


def _record_lines(
    records: Sequence[ValidRecord], *, ws: str, batch_id: str, now: datetime
) -> list[str]:
    """The records as COPY lines (``RECORD_COLUMNS``), in id order so that two batches
    sharing ids cannot deadlock. Every field but ``data`` is a checked UUID, integer,
    known kind, time or hex digest, which COPY takes as it is."""
    tail = f"\t{batch_id}\t{now.isoformat()}\n"
    return [
        f"{r.id}\t{ws}\t{r.seq}\t{r.attempt_id}\t{r.kind}\t{r.at_text}\t"
        f"{pg_copy.json_text(r.data_json)}\t{r.by or pg_copy.NULL}\t"
        f"{r.question_id or pg_copy.NULL}\t{r.content_hash}{tail}"
        for r in sorted(records, key=_by_id)
    ]


def _by_id(record: ValidRecord) -> str:
    return record.id


def _record_row(record: ValidRecord, at: datetime | str) -> dict[str, Any]:
    return {
        "id": record.id,
        "seq": record.seq,
        "attempt_id": record.attempt_id,
        "kind": record.kind,
        "at": at,
        "data": record.data,
        "by": record.by,
        "question_id": record.question_id,
        "content_hash": record.content_hash,
    }


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
        if _copied_new(session, "attempt_questions", ANSWER_FIELDS, _answer_lines(rows)):
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
    for aid, qid, position, answer, mask, answered, flagged, a_seq, ms, t_seq, ok, pts in rows:
        yield (
            f"{aid}\t{qid}\t{position}\t{_answer_text(answer)}\t{mask}\t"
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


def insert_rows(session: Session, table: Any, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(table.insert(), list(rows))
