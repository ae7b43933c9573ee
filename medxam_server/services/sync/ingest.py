"""Batch ingest (API.md "Batch sync", rules 1-7): one call per batch, one transaction.

``ingest_batch`` runs inside the caller's transaction and returns the receipt; the
caller commits before answering (rule 1). Steps, all set-based:

1. Claim the ``Idempotency-Key`` (rule 5) and lock the workstation's row, so batches of
   one workstation apply one after another and a key is processed once.
2. Check every record's shape (``sync_validation``), then what needs the database
   (start of an unknown delivery, an option the question does not have), in a few
   queries for the whole batch; rejected records go to ``quarantine`` (rule 4).
3. Insert the rest (``statements.insert_records``: by COPY, or, when some are already
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
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from medxam_server.db.session import transaction
from medxam_server.models import (
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
from medxam_server.services.sync import custody, statements
from medxam_server.services.sync import reply as batch_receipt
from medxam_server.services.sync.attempt_rows import load_attempts
from medxam_server.services.sync.batch import Batch
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.extension_cap import extension_verdicts
from medxam_server.services.sync.quarantine_cap import (
    BatchOverQuarantineCap,
    QuarantineFull,
    alert_once,
    check_quarantine,
)

__all__ = ["Batch", "ingest_batch", "run_batch"]  # Batch: where callers have met it

log = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
CONFLICTING_DUPLICATE = "conflicting_duplicate"
SEQ_CONFLICT = "seq_conflict"


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
    inserted = statements.insert_records(
        session, [record for _, record in to_insert], ws=ws, batch_id=batch.batch_id, now=now
    )
    applied: list[ValidRecord] = []
    for index, record in to_insert:
        if record.id in inserted:
            results[index] = batch_receipt.plain(record, batch_receipt.ACCEPTED)
            applied.append(record)
    not_inserted = [(i, r) for i, r in candidates if r.id not in inserted]
    held = statements.held_hashes(session, [r.id for _, r in not_inserted])
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
    hwm = statements.advance_high_water_mark(session, ws, batch_seqs | _seqs(rejected))
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
    statements.keep_batch(session, batch, batch_receipt.compact(receipt), now)
    log.info(
        "batch %s from workstation %s: %d accepted, %d rejected",
        batch.batch_id,
        ws,
        len(applied),
        len(rejected),
    )
    return receipt


def _claim(session: Session, batch: Batch) -> dict[str, Any] | None:
    """Take the key and the workstation's row lock; the stored receipt if already done."""
    if not statements.lock_batch_key(session, batch.batch_id):
        raise Conflict("this batch is still being processed; try again shortly")
    # A write first: on SQLite it takes the database's write lock for the whole batch.
    public_key, owner_id = statements.touch_workstation(
        session, batch.workstation_id, batch.user_id, utcnow()
    )
    if batch.source == "push":  # a bundle's signature was checked whole (bundles.py)
        custody.check_push(
            public_key,
            owner_id,
            batch_id=batch.batch_id,
            body_hash=batch.body_hash,
            signature=batch.signature,
            user_id=batch.user_id,
            admin=batch.admin,
        )
    existing = statements.kept_batch(session, batch.batch_id)
    if existing is not None:
        body_hash, status, receipt = existing
        if body_hash != batch.body_hash:
            raise Invalid("this Idempotency-Key was used for a different batch")
        if status != "done" or receipt is None:
            raise Conflict("this batch is still being processed; try again shortly")
        return batch_receipt.expand(receipt, batch.records)
    return None


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
    kept = statements.quarantined(
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
    statements.insert_quarantined(session, rows)
    statements.insert_alerts(session, alerts)


def _storable(payload: Any) -> Any:
    """The payload as quarantine can keep it: PostgreSQL's jsonb cannot hold the NUL
    character, nor a lone surrogate, so a payload with either is kept as its JSON text."""
    text_form = json.dumps(payload, ensure_ascii=False)
    try:
        text_form.encode()
    except UnicodeEncodeError:  # a lone surrogate: kept with JSON's escapes
        return {"json_text": json.dumps(payload)}
    return {"json_text": text_form} if has_nul(text_form) else payload
