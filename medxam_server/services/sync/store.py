"""Stage 3, store: keep what passed the checks, answer what is already held, quarantine
what is rejected, and move the workstation's high-water mark.

Records are inserted first (``statements.insert_records``): a record whose id (or seq)
is already held is simply not inserted, and only those few are looked up afterwards. A
held record with the same content is a ``duplicate`` even if it would fail the checks
now (it was kept before its start came); one with other content is a
``conflicting_duplicate`` with an integrity alert (API.md rules 2 and 4).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from medxam_server.rules.records import Rejection, has_nul
from medxam_server.services.sync import statements
from medxam_server.services.sync.batch_receipt import ACCEPTED, DUPLICATE, plain, rejected
from medxam_server.services.sync.batch_state import BatchState
from medxam_server.services.sync.classify import CONFLICTING_DUPLICATE, SEQ_CONFLICT, conflict
from medxam_server.services.sync.quarantine_cap import check_quarantine


def store_records(session: Session, state: BatchState) -> None:
    """Fill the remaining ``results``, ``applied`` and ``high_water_mark``."""
    batch, results, rejections = state.batch, state.results, state.rejected
    verdicts = state.verdicts
    to_insert = [(i, r) for i, r in state.candidates if r.id not in verdicts]
    inserted = statements.insert_records(
        session,
        [record for _, record in to_insert],
        ws=batch.workstation_id,
        batch_id=batch.batch_id,
        now=state.now,
    )
    applied = state.applied
    for index, record in to_insert:
        if record.id in inserted:
            results[index] = plain(record, ACCEPTED)
            applied.append(record)
    not_inserted = [(i, r) for i, r in state.candidates if r.id not in inserted]
    held = statements.held_hashes(session, [r.id for _, r in not_inserted])
    for index, record in not_inserted:
        held_hash = held.get(record.id)
        if held_hash == record.content_hash:
            results[index] = plain(record, DUPLICATE)
        elif held_hash is not None:
            rejections.append((index, conflict(record, CONFLICTING_DUPLICATE)))
        elif record.id in verdicts:
            reason, detail = verdicts[record.id]
            rejections.append(
                (index, Rejection(reason, detail, record.id, record.seq, record.attempt_id))
            )
        else:  # another record holds its seq
            rejections.append((index, conflict(record, SEQ_CONFLICT)))
    rejections.sort(key=lambda pair: pair[0])
    _quarantine(session, state)
    # Every seq of the batch is held now: kept, quarantined, or by another record.
    rejected_seqs = {r.seq for _, r in rejections if r.seq is not None}
    state.high_water_mark = statements.advance_high_water_mark(
        session, batch.workstation_id, state.seqs | rejected_seqs
    )


def _quarantine(session: Session, state: BatchState) -> None:
    """Answer the rejections and keep them, with an alert for a conflict. A rejected
    record the workstation sends again (after a lost answer or a server restore) is
    answered the same but kept, and alerted, once."""
    batch, now = state.batch, state.now
    rows, alerts = [], []
    kept = statements.quarantined(
        session,
        batch.workstation_id,
        sorted({r.record_id for _, r in state.rejected if r.record_id}),
    )
    for index, rejection in state.rejected:
        state.results[index] = rejected(rejection)
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
