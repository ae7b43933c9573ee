"""What the server already holds of a batch's attempts: the reads of ``sync_records``
and ``quarantine`` that the fold, the integrity check and the extension cap make.

``statements`` writes the sync tables; this module only reads them, one query per
question for the whole batch. Split from ``statements`` to keep each of the two short.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import QuarantinedRecord, SyncRecord
from medxam_server.rules.fold import ENDING_KINDS, FoldRecord

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


NONE_HELD = AttemptRecords()  # an attempt of which nothing is kept yet


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


def fold_records(session: Session, attempt_ids: Sequence[str]) -> dict[str, list[FoldRecord]]:
    """Every kept record of these attempts, in seq order, as the fold reads them."""
    found: dict[str, list[FoldRecord]] = defaultdict(list)
    if not attempt_ids:
        return found
    query = dialect.statement_for(session, _fold_records_of)
    rows = session.connection().execute(query, {"ids": list(attempt_ids)}).all()
    for attempt_id, rid, seq, kind, at, data, ws in rows:
        found[str(attempt_id)].append(FoldRecord(str(rid), seq, kind, at, data, str(ws)))
    return found


def _fold_records_of(postgres: bool) -> Executable:
    return (
        select(
            SyncRecord.attempt_id,
            SyncRecord.id,
            SyncRecord.seq,
            SyncRecord.kind,
            SyncRecord.at,
            SyncRecord.data,
            SyncRecord.workstation_id,
        )
        .where(dialect.any_of(SyncRecord.attempt_id, "ids", postgres))
        .order_by(SyncRecord.attempt_id, SyncRecord.seq)
    )


def held_ids(
    session: Session, attempt_ids: Sequence[str], *, kept: bool
) -> list[tuple[str, str, int | None, str]]:
    """(attempt id, record id, seq, workstation id) of the attempts' kept records
    (``kept``), or of their quarantined ones that had a readable id."""
    build = _records_of if kept else _quarantined_of
    rows = session.connection().execute(
        dialect.statement_for(session, build), {"ids": list(attempt_ids)}
    )
    return [(str(aid), str(rid), seq, str(ws)) for aid, rid, seq, ws in rows.all()]


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


def held_seqs(session: Session, workstation_id: str, above: int, below: int) -> set[int]:
    """The workstation's seqs strictly between ``above`` and ``below`` that are held
    (kept or quarantined)."""
    held = set(
        session.connection().scalars(
            select(SyncRecord.seq).where(
                SyncRecord.workstation_id == workstation_id,
                SyncRecord.seq > above,
                SyncRecord.seq < below,
            )
        )
    )
    held.update(
        seq
        for seq in session.connection().scalars(
            select(QuarantinedRecord.seq).where(
                QuarantinedRecord.workstation_id == workstation_id,
                QuarantinedRecord.seq > above,
                QuarantinedRecord.seq < below,
            )
        )
        if seq is not None
    )
    return held


def kept_of_kind(
    session: Session, kind: str, attempt_ids: Sequence[str]
) -> list[tuple[str, str, Any]]:
    """(record id, attempt id, data) of the kept records of one kind for these attempts."""
    query = dialect.statement_for(session, _kept_of_kind)
    rows = session.connection().execute(query, {"kind": kind, "ids": list(attempt_ids)})
    return [(str(rid), str(aid), data) for rid, aid, data in rows]


def _kept_of_kind(postgres: bool) -> Executable:
    return select(SyncRecord.id, SyncRecord.attempt_id, SyncRecord.data).where(
        SyncRecord.kind == bindparam("kind"), dialect.any_of(SyncRecord.attempt_id, "ids", postgres)
    )
