"""What the server holds of an attempt's records, and whether that is what it finished with.

Rule 6 of API.md "Batch sync": ``attempt.finished`` carries the count and digest of the
attempt's records before it; the attempt is ``complete`` when the server holds exactly
those (kept, or quarantined: a rejected record is still held) and ``incomplete``
otherwise, with the workstation ``seq`` numbers still missing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import IntegrityAlert, QuarantinedRecord, SyncRecord
from medxam_server.rules.fold import ENDING_KINDS, Fact
from medxam_server.rules.receipt_codes import records_digest
from medxam_server.services.sync.attempt_rows import AttemptRow

MAX_MISSING_LISTED = 1000
MARKER_KINDS = ("attempt.started", *ENDING_KINDS)


@dataclass(frozen=True, slots=True)
class AttemptRecords:
    """How many records of an attempt are kept, and the lowest seq of each marker kind."""

    count: int = 0
    markers: Mapping[str, int] = field(default_factory=dict)

    @property
    def end_seq(self) -> int | None:
        ends = [self.markers[k] for k in ENDING_KINDS if k in self.markers]
        return min(ends) if ends else None


def attempt_records(session: Session, attempt_ids: Sequence[str]) -> dict[str, AttemptRecords]:
    """Attempt id -> its record count and marker seqs (one query)."""
    if not attempt_ids:
        return {}
    query = dialect.statement_for(session, _counts_and_markers)
    rows = session.connection().execute(query, {"ids": list(attempt_ids)}).all()
    found = {}
    for attempt_id, count, *seqs in rows:
        markers = {k: int(s) for k, s in zip(MARKER_KINDS, seqs, strict=True) if s is not None}
        found[str(attempt_id)] = AttemptRecords(int(count), markers)
    return found


def _counts_and_markers(postgres: bool) -> Executable:
    lowest = [
        func.min(case((SyncRecord.kind == kind, SyncRecord.seq), else_=None))
        for kind in MARKER_KINDS
    ]
    return (
        select(SyncRecord.attempt_id, func.count(), *lowest)
        .where(dialect.any_of(SyncRecord.attempt_id, "ids", postgres))
        .group_by(SyncRecord.attempt_id)
    )


def _records_of(postgres: bool) -> Executable:
    return select(
        SyncRecord.attempt_id, SyncRecord.id, SyncRecord.seq, SyncRecord.workstation_id
    ).where(dialect.any_of(SyncRecord.attempt_id, "ids", postgres))


def _quarantined_of(postgres: bool) -> Executable:
    return select(
        QuarantinedRecord.attempt_id,
        QuarantinedRecord.record_id,
        QuarantinedRecord.seq,
        QuarantinedRecord.workstation_id,
    ).where(
        dialect.any_of(QuarantinedRecord.attempt_id, "ids", postgres),
        QuarantinedRecord.record_id.is_not(None),
    )


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
    connection = session.connection()
    if unread:
        query = dialect.statement_for(session, _records_of)
        for attempt_id, rid, seq, ws in connection.execute(query, {"ids": unread}).all():
            if str(ws) == bound[str(attempt_id)]:
                held[str(attempt_id)][seq] = str(rid)
    query = dialect.statement_for(session, _quarantined_of)
    for q_attempt, q_record, q_seq, q_ws in connection.execute(query, {"ids": ids}).all():
        if q_seq is not None and str(q_ws).lower() == bound[str(q_attempt)]:
            held[str(q_attempt)].setdefault(q_seq, str(q_record))
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
    held = set(
        session.connection().scalars(
            select(SyncRecord.seq).where(
                SyncRecord.workstation_id == workstation_id,
                SyncRecord.seq > low,
                SyncRecord.seq < finish_seq,
            )
        )
    )
    held.update(
        seq
        for seq in session.connection().scalars(
            select(QuarantinedRecord.seq).where(
                QuarantinedRecord.workstation_id == workstation_id,
                QuarantinedRecord.seq > low,
                QuarantinedRecord.seq < finish_seq,
            )
        )
        if seq is not None
    )
    missing = (seq for seq in range(low + 1, finish_seq) if seq not in held)
    return [seq for _, seq in zip(range(MAX_MISSING_LISTED), missing, strict=False)]
