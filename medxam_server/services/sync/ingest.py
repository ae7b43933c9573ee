"""Batch ingest (API.md "Batch sync", rules 1-7): one call per batch, one transaction.

``ingest_batch`` is the pipeline: after the claim of the Idempotency-Key, six stages
run in order over one ``BatchState``, each in its own module, none importing a later
one. Every stage works on the whole batch with set-based statements, a few per batch
and never one per record (B4). ``run_batch`` runs it in its own transaction and runs it
again after a deadlock; the caller commits before answering (rule 1).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from medxam_server.db.session import transaction
from medxam_server.models import utcnow
from medxam_server.services.sync import (
    apply,
    attempt_rows,
    checks,
    classify,
    integrity,
    reply,
    store,
)
from medxam_server.services.sync.batch import Batch
from medxam_server.services.sync.batch_receipt import BatchReceipt
from medxam_server.services.sync.batch_state import BatchState
from medxam_server.services.sync.claim import claim
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.quarantine_cap import (
    BatchOverQuarantineCap,
    QuarantineFull,
    alert_once,
)

log = logging.getLogger(__name__)

RETRYABLE_SQLSTATES = ("40P01", "40001")  # deadlock detected, serialization failure
LIVE_ATTEMPT_INDEX = "uq_attempts_delivery_taker_sitting"


def ingest_batch(session: Session, batch: Batch, *, secret: bytes) -> BatchReceipt:
    """Apply one batch and return its receipt (the same receipt for a replayed key).

    1. classify: each record's shape; duplicates and seq conflicts within the batch.
    2. check: what needs the database (the start's delivery and taker, the proctor's
       assignment, the question and options, custody, the extension cap).
    3. store: insert the records, answer those already held, quarantine the rejected
       (rule 4), move the workstation's high-water mark.
    4. apply: fold the new records into their attempts (rules 3 and 7).
    5. integrity: finished attempts complete or incomplete (rule 6); then every
       attempt the batch changed is written, once.
    6. reply: the receipt, kept with the key (rule 5).
    """
    replayed = claim(session, batch)
    if replayed is not None:
        return replayed
    state = BatchState(batch, secret, utcnow(), ExamCache(session))
    classify.classify_records(state)
    checks.check_records(session, state)
    store.store_records(session, state)
    apply.apply_records(session, state)
    integrity.verify_finished(session, state)
    attempt_rows.write_attempts(session, state.attempts.values())
    return reply.keep_receipt(session, state)


def run_batch(
    factory: sessionmaker[Session], batch: Batch, *, secret: bytes, retries: int = 3
) -> BatchReceipt:
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


def _lost_start_race(exc: DBAPIError) -> bool:
    """Another transaction committed an attempt for a taker this batch starts one for (the
    live-attempt index): run again, the checks then see it (``taker_has_attempt``)."""
    if getattr(exc.orig, "sqlstate", None) != "23505":
        return False
    diag = getattr(exc.orig, "diag", None)
    return getattr(diag, "constraint_name", None) == LIVE_ATTEMPT_INDEX
