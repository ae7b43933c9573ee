"""Batch ingest (API.md "Batch sync", rules 1-7): one call per batch, one transaction.

``ingest_batch`` runs inside the caller's transaction and returns the receipt; the
caller commits before answering (rule 1). Steps, all set-based:

1. Claim the ``Idempotency-Key`` (rule 5) and lock the workstation's row, so batches of
   one workstation apply one after another and a key is processed once.
2. Check every record's shape (``sync_validation``), then what needs the database
   (start of an unknown delivery, an option the question does not have), in a few
   queries for the whole batch; rejected records go to ``quarantine`` (rule 4).
3. Insert the rest (``sync_store.insert_records``: by COPY, or, when some are already
   held, with ``ON CONFLICT DO NOTHING``); a record id already held is a duplicate, or a
   ``conflicting_duplicate`` with an integrity alert (rule 2); only the records that
   were not inserted are looked up.
4. Fold the new records into attempts (``attempt_sync``; rules 3, 6, 7), move the
   workstation's high-water mark, and keep the receipt with the key (compact,
   ``batch_receipt``).
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, union, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.db.session import transaction
from medxam_server.models import (
    IntegrityAlert,
    QuarantinedRecord,
    SyncBatch,
    SyncRecord,
    Workstation,
    utcnow,
)
from medxam_server.rules.records import (
    Rejection,
    ValidRecord,
    has_nul,
    validate_record,
)
from medxam_server.services.errors import Conflict, Invalid
from medxam_server.services.sync import apply as attempt_sync
from medxam_server.services.sync import checks as sync_checks
from medxam_server.services.sync import custody
from medxam_server.services.sync import reply as batch_receipt
from medxam_server.services.sync import statements as sync_store
from medxam_server.services.sync.attempt_rows import load_attempts
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.extension_cap import extension_verdicts
from medxam_server.services.sync.quarantine_cap import (
    BatchOverQuarantineCap,
    QuarantineCap,
    QuarantineFull,
    alert_once,
    check_quarantine,
)

log = logging.getLogger(__name__)

SUPPORTED_PROTOCOLS = (1,)
RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
CONFLICTING_DUPLICATE = "conflicting_duplicate"
SEQ_CONFLICT = "seq_conflict"
_BATCHES = cast(Table, SyncBatch.__table__)


class UnsupportedProtocol(Exception):
    """The batch speaks a protocol version this server does not accept (HTTP 426)."""


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str  # the Idempotency-Key
    body_hash: str
    workstation_id: str
    records: list[Any]
    user_id: str
    quarantine_cap: QuarantineCap | None = None  # pushes only (issue 13, finding 9)
    source: str = "push"  # push | bundle
    signature: str | None = None  # X-Workstation-Signature of a push (custody.check_push)
    admin: bool = False  # the user is an admin


def run_batch(
    factory: sessionmaker[Session], batch: Batch, *, secret: bytes, retries: int = 3
) -> dict[str, Any]:
    """``ingest_batch`` in its own transaction, committed before returning (rule 1).

    A deadlock or serialization failure (two batches touching the same rows) rolls the
    whole batch back, so it is simply run again.
    """
    for attempt in range(retries):
        try:
            with transaction(factory) as session:
                return ingest_batch(session, batch, secret=secret)
        except (QuarantineFull, BatchOverQuarantineCap) as refusal:
            alert_once(factory, refusal, utcnow())
            raise
        except DBAPIError as exc:
            code = getattr(exc.orig, "sqlstate", None)
            retry = code in RETRYABLE_SQLSTATES or _lost_start_race(exc)
            if not retry or attempt == retries - 1:
                raise
            log.warning("batch %s hit %s; running it again", batch.batch_id, code)
    raise AssertionError("unreachable")


LIVE_ATTEMPT_INDEX = "uq_attempts_delivery_taker_sitting"


def _lost_start_race(exc: DBAPIError) -> bool:
    """Another transaction committed an attempt for a taker this batch starts one for (the
    live-attempt index): run again, the checks then see it (``taker_has_attempt``)."""
    if getattr(exc.orig, "sqlstate", None) != "23505":
        return False
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) == LIVE_ATTEMPT_INDEX


def ingest_batch(session: Session, batch: Batch, *, secret: bytes) -> dict[str, Any]:
    """Apply one batch and return its receipt (the same receipt for a replayed key)."""
    stored = _claim(session, batch)
    if stored is not None:
        return stored
    now = utcnow()
    ws = batch.workstation_id
    results: list[dict[str, Any]] = [{} for _ in batch.records]
    rejected: list[tuple[int, Rejection]] = []
    candidates: list[tuple[int, ValidRecord]] = []
    batch_ids: dict[str, str] = {}
    batch_seqs: set[int] = set()
    for index, raw in enumerate(batch.records):
        checked = validate_record(raw)
        if isinstance(checked, Rejection):
            rejected.append((index, checked))
        elif checked.id in batch_ids:
            if batch_ids[checked.id] == checked.content_hash:
                results[index] = batch_receipt.plain(checked, batch_receipt.DUPLICATE)
            else:
                rejected.append((index, _conflict(checked, CONFLICTING_DUPLICATE)))
        elif checked.seq in batch_seqs:
            rejected.append((index, _conflict(checked, SEQ_CONFLICT)))
        else:
            batch_ids[checked.id] = checked.content_hash
            batch_seqs.add(checked.seq)
            candidates.append((index, checked))

    exams = ExamCache(session)
    touched = {r.attempt_id for _, r in candidates}
    attempts = load_attempts(session, sorted(touched))
    valid = [r for _, r in candidates]
    scoped = None if batch.admin or batch.source != "push" else batch.user_id
    verdicts = sync_checks.check_against_database(
        session, valid, exams, attempts, scoped_user=scoped
    )
    verdicts.update(custody.record_verdicts(session, ws, valid, attempts))
    verdicts.update(extension_verdicts(session, [r for _, r in candidates], verdicts))
    to_insert = [(i, r) for i, r in candidates if r.id not in verdicts]
    # Insert first: a record id (or seq) already held is simply not inserted, and only
    # those few are looked up afterwards. A held record with the same content is a
    # duplicate even if it would fail the checks now (it was kept before its start came).
    inserted = sync_store.insert_records(
        session, [record for _, record in to_insert], ws=ws, batch_id=batch.batch_id, now=now
    )
    applied: list[ValidRecord] = []
    for index, record in to_insert:
        if record.id in inserted:
            results[index] = batch_receipt.plain(record, batch_receipt.ACCEPTED)
            applied.append(record)
    not_inserted = [(i, r) for i, r in candidates if r.id not in inserted]
    held = _held(session, [r.id for _, r in not_inserted])
    for index, record in not_inserted:
        held_hash = held.get(record.id)
        if held_hash == record.content_hash:
            results[index] = batch_receipt.plain(record, batch_receipt.DUPLICATE)
        elif held_hash is not None:
            rejected.append((index, _conflict(record, CONFLICTING_DUPLICATE)))
        elif record.id in verdicts:
            reason, detail = verdicts[record.id]
            rejected.append(
                (index, Rejection(reason, detail, record.id, record.seq, record.attempt_id))
            )
        else:  # another record holds its seq
            rejected.append((index, _conflict(record, SEQ_CONFLICT)))
    rejected.sort(key=lambda pair: pair[0])

    _quarantine(session, batch, rejected, results, now)
    hwm = _advance_high_water_mark(session, ws, batch_seqs | _seqs(rejected))
    summaries = attempt_sync.fold_batch(
        session,
        attempt_sync.FoldContext(batch.workstation_id, batch.user_id, secret, hwm, exams),
        applied,
        touched,
        attempts,
    )
    receipt = {
        "batch_id": batch.batch_id,
        "server_time": now.isoformat().replace("+00:00", "Z"),
        "high_water_mark": hwm,
        "results": results,
        "attempts": summaries,
    }
    # Written once, with the receipt: while this transaction runs, the key is held by the
    # advisory lock (PostgreSQL) or the database's write lock (SQLite).
    session.connection().execute(
        _BATCHES.insert(),
        {
            "id": batch.batch_id,
            "body_hash": batch.body_hash,
            "workstation_id": batch.workstation_id,
            "user_id": batch.user_id,
            "source": batch.source,
            "status": "done",
            "receipt": batch_receipt.compact(receipt),
            "created_at": now,
            "completed_at": utcnow(),
        },
    )
    log.info(
        "batch %s from workstation %s: %d accepted, %d rejected",
        batch.batch_id,
        ws,
        len(applied),
        len(rejected),
    )
    return receipt


_PG_TRY_KEY_LOCK = text("SELECT pg_try_advisory_xact_lock(:k)")


def _claim_statements(postgres: bool) -> tuple[Executable, Executable]:
    """The workstation's upsert (its row lock) and the stored batch's lookup."""
    table = cast(Table, Workstation.__table__)
    ws = bindparam("ws", type_=table.c.id.type)
    now = bindparam("now", type_=table.c.last_seen_at.type)
    user = bindparam("user", type_=table.c.owner_id.type)
    # A workstation without an owner is claimed by its first pusher (custody.check_push).
    upsert = (
        dialect.insert_into(table, postgres)
        .values(id=ws, high_water_mark=0, last_seen_at=now, owner_id=user)
        .on_conflict_do_update(
            index_elements=["id"],
            set_={"last_seen_at": now, "owner_id": func.coalesce(table.c.owner_id, user)},
        )
        .returning(table.c.public_key, table.c.owner_id)
    )
    stored = select(SyncBatch.body_hash, SyncBatch.status, SyncBatch.receipt).where(
        SyncBatch.id == bindparam("key")
    )
    return upsert, stored


def _claim(session: Session, batch: Batch) -> dict[str, Any] | None:
    """Take the key and the workstation's row lock; the stored receipt if already done."""
    connection = session.connection()
    if dialect.is_postgres(session):
        key = uuid.UUID(batch.batch_id).int >> 65  # fits a signed bigint
        if not connection.execute(_PG_TRY_KEY_LOCK, {"k": key}).scalar():
            raise Conflict("this batch is still being processed; try again shortly")
    upsert, stored = dialect.statement_for(session, _claim_statements)
    # A write first: on SQLite it takes the database's write lock for the whole batch.
    public_key, owner_id = connection.execute(
        upsert, {"ws": batch.workstation_id, "now": utcnow(), "user": batch.user_id}
    ).one()
    if batch.source == "push":  # a bundle's signature was checked whole (bundles.py)
        custody.check_push(
            public_key,
            None if owner_id is None else str(owner_id),
            batch_id=batch.batch_id,
            body_hash=batch.body_hash,
            signature=batch.signature,
            user_id=batch.user_id,
            admin=batch.admin,
        )
    existing = connection.execute(stored, {"key": batch.batch_id}).first()
    if existing is not None:
        body_hash, status, receipt = existing
        if body_hash != batch.body_hash:
            raise Invalid("this Idempotency-Key was used for a different batch")
        if status != "done" or receipt is None:
            raise Conflict("this batch is still being processed; try again shortly")
        return batch_receipt.expand(receipt, batch.records)
    return None


def _held(session: Session, record_ids: list[str]) -> dict[str, str]:
    return sync_store.held_hashes(session, record_ids)


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


def _seqs(rejected: list[tuple[int, Rejection]]) -> set[int]:
    """The seqs of rejected records: each is held now, quarantined or by another record."""
    return {r.seq for _, r in rejected if r.seq is not None}


def _conflict(record: ValidRecord, reason: str) -> Rejection:
    detail = (
        "a different record with this id is already held; the first copy stays"
        if reason == CONFLICTING_DUPLICATE
        else "another record already holds this workstation seq"
    )
    return Rejection(reason, detail, record.id, record.seq, record.attempt_id)


def _quarantine(
    session: Session,
    batch: Batch,
    rejected: list[tuple[int, Rejection]],
    results: list[dict[str, Any]],
    now: datetime,
) -> None:
    """Answer the rejections and keep them, with an alert for a conflict. A rejected
    record the workstation sends again (after a lost answer or a server restore) is
    answered the same but kept, and alerted, once."""
    rows, alerts = [], []
    kept = sync_store.quarantined(
        session, batch.workstation_id, sorted({r.record_id for _, r in rejected if r.record_id})
    )
    for index, rejection in rejected:
        result: dict[str, Any] = {"id": rejection.record_id, "status": "rejected"}
        result["reason"] = rejection.reason
        result["detail"] = rejection.detail
        results[index] = result
        payload = _storable(batch.records[index])
        copies = kept.setdefault((rejection.record_id, rejection.reason), [])
        if rejection.record_id is not None and payload in copies:
            continue
        copies.append(payload)
        rows.append(
            {
                "record_id": rejection.record_id,
                "workstation_id": batch.workstation_id,
                "batch_id": batch.batch_id,
                "seq": rejection.seq,
                "attempt_id": rejection.attempt_id,
                "reason": rejection.reason,
                "detail": rejection.detail,
                "payload": payload,
                "received_at": now,
            }
        )
        if rejection.reason in (CONFLICTING_DUPLICATE, SEQ_CONFLICT):
            alerts.append(
                {
                    "kind": rejection.reason,
                    "attempt_id": rejection.attempt_id,
                    "record_id": rejection.record_id,
                    "workstation_id": batch.workstation_id,
                    "detail": rejection.detail,
                    "created_at": now,
                }
            )
    check_quarantine(session, batch.workstation_id, len(rows), now, batch.quarantine_cap)
    sync_store.insert_rows(session, QuarantinedRecord.__table__, rows)
    sync_store.insert_rows(session, IntegrityAlert.__table__, alerts)


def _storable(payload: Any) -> Any:
    """The payload as quarantine can keep it: PostgreSQL's jsonb cannot hold the NUL
    character, nor a lone surrogate, so a payload with either is kept as its JSON text."""
    text_form = json.dumps(payload, ensure_ascii=False)
    try:
        text_form.encode()
    except UnicodeEncodeError:  # a lone surrogate: kept with JSON's escapes
        return {"json_text": json.dumps(payload)}
    return {"json_text": text_form} if has_nul(text_form) else payload


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


def _advance_high_water_mark(session: Session, ws: str, seqs: set[int]) -> int:
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
