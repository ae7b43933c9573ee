"""Stage 5, integrity: whether what the server holds of a finished attempt is what the
workstation finished it with.

Rule 6 of API.md "Batch sync": ``attempt.finished`` carries the count and digest of the
attempt's records before it; the attempt is ``complete`` when the server holds exactly
those (kept, or quarantined: a rejected record is still held) and ``incomplete``
otherwise, with the workstation ``seq`` numbers still missing. The attempts are only
changed in memory here; ``ingest`` writes them next, each once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from medxam_server.models import IntegrityAlert
from medxam_server.rules.fold import Fact
from medxam_server.rules.receipt_codes import records_digest
from medxam_server.services.sync import held_records
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.batch_state import BatchState
from medxam_server.services.sync.held_records import NONE_HELD, AttemptRecords

MAX_MISSING_LISTED = 1000


def verify_finished(session: Session, state: BatchState) -> None:
    """Set the integrity of each attempt the batch names that has a kept finish (and
    its digest); fill ``missing``."""
    attempts, held = state.attempts, state.held
    finished = [
        (attempts[aid], held[aid])
        for aid in state.attempt_ids
        if aid in attempts
        and attempts[aid].digest is not None
        and "attempt.finished" in held.get(aid, NONE_HELD).markers
    ]
    state.missing = check_integrity(session, finished, state.high_water_mark, state.known)


def check_integrity(
    session: Session,
    finished: Sequence[tuple[AttemptRow, AttemptRecords]],
    hwm: int,
    kept: Mapping[str, Sequence[Fact]],
) -> dict[str, list[int]]:
    """Set each finished attempt's ``integrity`` from the records held before its finish;
    attempt id -> the workstation seqs still missing.

    ``kept`` holds every kept record of some attempts (those just rebuilt); the others'
    are read back. Only records of the workstation the attempt is bound to count (seqs
    are per workstation): another workstation's, kept before the start arrived or
    quarantined as ``wrong_workstation``, cannot make an attempt incomplete.
    """
    if not finished:
        return {}
    ids = [a.id for a, _ in finished]
    bound = {a.id: a.workstation_id for a, _ in finished}
    held: dict[str, dict[int, str]] = defaultdict(dict)
    for attempt_id in ids:
        ws = bound[attempt_id]
        for record in kept.get(attempt_id, ()):
            # New records (no workstation_id) come from the bound workstation (custody).
            if getattr(record, "workstation_id", ws) == ws:
                held[attempt_id][record.seq] = record.id
    unread = [aid for aid in ids if aid not in kept]
    if unread:
        for attempt_id, rid, seq, ws in held_records.held_ids(session, unread, kept=True):
            if ws == bound[attempt_id] and seq is not None:
                held[attempt_id][seq] = rid
    for q_attempt, q_record, q_seq, q_ws in held_records.held_ids(session, ids, kept=False):
        if q_seq is not None and q_ws.lower() == bound[q_attempt]:
            held[q_attempt].setdefault(q_seq, q_record)
    missing: dict[str, list[int]] = {}
    for attempt, records in finished:
        finish_seq = records.markers["attempt.finished"]
        mine = held[attempt.id]
        record_ids = [mine[s] for s in sorted(mine) if s < finish_seq]
        complete = (
            len(record_ids) == attempt.record_count and records_digest(record_ids) == attempt.digest
        )
        previous, attempt.integrity = attempt.integrity, "complete" if complete else "incomplete"
        if complete:
            continue
        start_seq = records.markers.get("attempt.started", 0)
        gaps = _missing_seqs(session, attempt.workstation_id, start_seq, finish_seq, hwm)
        missing[attempt.id] = gaps
        if not gaps and previous != "incomplete":
            session.add(
                IntegrityAlert(
                    kind="digest_mismatch",
                    attempt_id=attempt.id,
                    workstation_id=attempt.workstation_id,
                    detail=f"held {len(record_ids)} records before the finish, the "
                    f"workstation counted {attempt.record_count}; the digests differ",
                )
            )
    return missing


def _missing_seqs(
    session: Session, workstation_id: str | None, start_seq: int, finish_seq: int, hwm: int
) -> list[int]:
    """Seqs of the workstation between the start and the finish that the server lacks."""
    if workstation_id is None or hwm >= finish_seq - 1:
        return []
    low = max(start_seq, hwm)
    held = held_records.held_seqs(session, workstation_id, low, finish_seq)
    missing = (seq for seq in range(low + 1, finish_seq) if seq not in held)
    return [seq for _, seq in zip(range(MAX_MISSING_LISTED), missing, strict=False)]
