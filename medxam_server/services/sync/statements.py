"""Batch sync's SQL on its own tables, for PostgreSQL and SQLite alike.

The sync tables are ``workstations`` (the claim's row lock, the high-water mark),
``sync_batches`` (an Idempotency-Key and its receipt), ``sync_records``, ``quarantine``
and ``integrity_alerts``. Every statement the pipeline writes them with is here, with
the lookups of the claim and of the store stage, so the stages hold decisions and no
SQL; ``held_records`` holds the later stages' reads of them (split off to keep both
modules short). Elsewhere on purpose: the attempts and their answers are written by
those tables' row modules (``attempt_rows``, ``answer_rows``); the checks' lookups in
setup's tables (deliveries, takers, users, handovers, exams) stay beside the check that
asks them; ``quarantine_cap`` keeps the two counts its refusal is made of.

Each function is one statement (or one COPY) for a whole batch, never a round trip per
record. Lists are one array parameter on PostgreSQL (``dialect.any_of``), and statements
are built once per process (``dialect.statement_for``): B4, ingest's benchmark, pays for
every statement of a thousand-record batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect, pg_copy
from medxam_server.models import (
    IntegrityAlert,
    QuarantinedRecord,
    SyncBatch,
    SyncRecord,
    Workstation,
    utcnow,
)
from medxam_server.rules.records import ValidRecord
from medxam_server.services.sync.batch import Batch

UNIQUE_VIOLATION = "23505"
RECORDS = cast(Table, SyncRecord.__table__)
BATCHES = cast(Table, SyncBatch.__table__)
WORKSTATIONS = cast(Table, Workstation.__table__)
QUARANTINE = cast(Table, QuarantinedRecord.__table__)
ALERTS = cast(Table, IntegrityAlert.__table__)

# --- The claim: the key's lock, the workstation's row lock, a kept receipt -------------

_PG_TRY_KEY_LOCK = text("SELECT pg_try_advisory_xact_lock(:k)")


def lock_batch_key(session: Session, batch_id: str) -> bool:
    """Hold the Idempotency-Key for this transaction; False while another holds it.
    PostgreSQL only: on SQLite the workstation's upsert takes the database's write lock."""
    if not dialect.is_postgres(session):
        return True
    key = uuid.UUID(batch_id).int >> 65  # fits a signed bigint
    return bool(session.connection().execute(_PG_TRY_KEY_LOCK, {"k": key}).scalar())


def touch_workstation(
    session: Session, workstation_id: str, user_id: str, now: datetime
) -> tuple[str | None, str | None]:
    """Upsert the workstation (its row lock, held to the end of the batch); its
    registered key and its owner. A workstation without an owner is claimed by its first
    pusher (``custody.check_push``)."""
    upsert = dialect.statement_for(session, _touch_workstation)
    public_key, owner_id = (
        session.connection()
        .execute(upsert, {"ws": workstation_id, "now": now, "user": user_id})
        .one()
    )
    return public_key, None if owner_id is None else str(owner_id)


def _touch_workstation(postgres: bool) -> Executable:
    table = WORKSTATIONS
    ws = bindparam("ws", type_=table.c.id.type)
    now = bindparam("now", type_=table.c.last_seen_at.type)
    user = bindparam("user", type_=table.c.owner_id.type)
    upsert: Executable = (
        dialect.insert_into(table, postgres)
        .values(id=ws, high_water_mark=0, last_seen_at=now, owner_id=user)
        .on_conflict_do_update(
            index_elements=["id"],
            set_={"last_seen_at": now, "owner_id": func.coalesce(table.c.owner_id, user)},
        )
        .returning(table.c.public_key, table.c.owner_id)
    )
    return upsert


def kept_batch(session: Session, batch_id: str) -> tuple[str, str, dict[str, Any] | None] | None:
    """The body hash, status and kept receipt of a batch already seen under this key."""
    query = dialect.statement_for(session, _kept_batch)
    row = session.connection().execute(query, {"key": batch_id}).first()
    return None if row is None else (row[0], row[1], row[2])


def _kept_batch(postgres: bool) -> Executable:
    return select(SyncBatch.body_hash, SyncBatch.status, SyncBatch.receipt).where(
        SyncBatch.id == bindparam("key")
    )


def keep_batch(session: Session, batch: Batch, receipt: dict[str, Any], now: datetime) -> None:
    """Write the key once, with its receipt: while this transaction runs, the key is held
    by the advisory lock (PostgreSQL) or the database's write lock (SQLite)."""
    session.connection().execute(
        BATCHES.insert(),
        {
            "id": batch.batch_id,
            "body_hash": batch.body_hash,
            "workstation_id": batch.workstation_id,
            "user_id": batch.user_id,
            "source": batch.source,
            "status": "done",
            "receipt": receipt,
            "created_at": now,
            "completed_at": utcnow(),
        },
    )


# --- Records: inserted by COPY, or with ON CONFLICT when some are already held ----------

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


def insert_records(
    session: Session, records: Sequence[ValidRecord], *, ws: str, batch_id: str, now: datetime
) -> set[str]:
    """Insert sync records; the ids actually inserted (others were already held)."""
    if not records:
        return set()
    if dialect.is_postgres(session):
        lines = _record_lines(records, ws=ws, batch_id=batch_id, now=now)
        if copied_new(session, "sync_records", RECORD_COLUMNS, lines):
            return {r.id for r in records}
        # An id or seq already held: the slower, exact path.
        session.connection().execute(_PG_STAGE_RECORDS)
        pg_copy.copy_lines(session, "sync_records_stage", RECORD_COLUMNS, lines)
        inserted = session.connection().execute(_PG_INSERT_STAGED, {"n": len(records)}).scalar()
        return {r.id for r in records} if inserted is None else set(inserted)
    extra = {"workstation_id": ws, "batch_id": batch_id, "received_at": now}
    full = [_record_row(r) | extra for r in records]
    statement = (
        dialect.insert_for(session, RECORDS).on_conflict_do_nothing().returning(RECORDS.c.id)
    )
    return {str(row_id) for row_id in session.connection().execute(statement, full).scalars()}


def copied_new(session: Session, table: str, columns: Sequence[str], lines: Iterable[str]) -> bool:
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


def _record_row(record: ValidRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "seq": record.seq,
        "attempt_id": record.attempt_id,
        "kind": record.kind,
        "at": record.at,
        "data": record.data,
        "by": record.by,
        "question_id": record.question_id,
        "content_hash": record.content_hash,
    }


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


# --- Quarantine and alerts --------------------------------------------------------------


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


def insert_quarantined(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(QUARANTINE.insert(), list(rows))


def insert_alerts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(ALERTS.insert(), list(rows))


# --- The high-water mark ----------------------------------------------------------------

_PG_ADVANCE_MARK = text(
    """
    WITH mark AS (SELECT high_water_mark AS m FROM workstations WHERE id = CAST(:ws AS uuid)),
    start AS (
        SELECT GREATEST((SELECT m FROM mark), max(last)) AS m
        FROM unnest(CAST(:firsts AS bigint[]), CAST(:lasts AS bigint[])) AS run(first, last)
        WHERE first <= (SELECT m FROM mark) + 1 AND last > (SELECT m FROM mark)
    ),
    held AS (
        SELECT seq FROM sync_records
        WHERE workstation_id = CAST(:ws AS uuid) AND seq > (SELECT m FROM start)
        UNION
        SELECT seq FROM quarantine
        WHERE workstation_id = CAST(:ws_text AS varchar) AND seq > (SELECT m FROM start)
    ),
    numbered AS (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM held)
    UPDATE workstations
    SET high_water_mark = (SELECT m FROM start)
        + (SELECT count(*) FROM numbered WHERE seq = (SELECT m FROM start) + n)
    WHERE id = CAST(:ws AS uuid)
    RETURNING high_water_mark
    """
)


def advance_high_water_mark(session: Session, ws: str, seqs: set[int]) -> int:
    """Highest N such that every seq 1..N of the workstation is held (kept or quarantined).

    One statement: the held seqs above the stored mark, numbered in order; those equal to
    ``mark + their number`` are the unbroken run that moves the mark. On PostgreSQL the
    mark first moves along the batch's own ``seqs`` (all held now), sent as their runs of
    consecutive numbers, so the rows the batch just wrote are not read back: only held
    seqs past that run are, usually none.
    """
    if dialect.is_postgres(session):  # the same statement, without building it per batch
        firsts, lasts = _runs(seqs)
        result = session.connection().execute(
            _PG_ADVANCE_MARK, {"ws": ws, "ws_text": ws, "firsts": firsts, "lasts": lasts}
        )
        return int(result.scalar_one())
    mark = select(Workstation.high_water_mark).where(Workstation.id == ws).scalar_subquery()
    held = union(
        select(SyncRecord.seq.label("seq")).where(
            SyncRecord.workstation_id == ws, SyncRecord.seq > mark
        ),
        select(QuarantinedRecord.seq).where(
            QuarantinedRecord.workstation_id == ws, QuarantinedRecord.seq > mark
        ),
    ).subquery()
    numbered = select(held.c.seq, func.row_number().over(order_by=held.c.seq).label("n")).subquery()
    run = select(func.count()).where(numbered.c.seq == mark + numbered.c.n).scalar_subquery()
    moved = (
        session.connection()
        .execute(
            update(Workstation)
            .where(Workstation.id == ws)
            .values(high_water_mark=Workstation.high_water_mark + run)
            .returning(Workstation.high_water_mark)
        )
        .scalar_one()
    )
    return int(moved)


def _runs(seqs: set[int]) -> tuple[list[int], list[int]]:
    """The runs of consecutive numbers in ``seqs``: their first and last numbers."""
    firsts: list[int] = []
    lasts: list[int] = []
    for seq in sorted(seqs):
        if lasts and seq == lasts[-1] + 1:
            lasts[-1] = seq
        else:
            firsts.append(seq)
            lasts.append(seq)
    return firsts, lasts
