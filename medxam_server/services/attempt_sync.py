"""Turning kept sync records into attempts and answers (the database side of the fold).

New records for an attempt that is already running are applied incrementally (one
set-based upsert where the highest ``seq`` wins). When the start arrives, or an ending
record, the attempt is rebuilt from all its kept records with ``fold.fold_attempt``,
so it is always exactly what the records say, in whatever order they came.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medxam_server.models import (
    Attempt,
    Delivery,
    IntegrityAlert,
    QuarantinedRecord,
    SyncRecord,
    utcnow,
)
from medxam_server.services import sync_store
from medxam_server.services.exam_questions import QuestionInfo, load_exam_questions
from medxam_server.services.fold import (
    ENDING_KINDS,
    FoldedAttempt,
    FoldRecord,
    answer_effect,
    fold_attempt,
)
from medxam_server.services.receipts import receipt_code, records_digest
from medxam_server.services.scoring import rescore_attempt

log = logging.getLogger(__name__)

MAX_MISSING_LISTED = 1000


@dataclass
class ExamCache:
    """Exam questions loaded once per batch."""

    session: Session
    exams: dict[str, dict[str, QuestionInfo]] = field(default_factory=dict)

    def questions(self, exam_id: str) -> dict[str, QuestionInfo]:
        if exam_id not in self.exams:
            self.exams[exam_id] = load_exam_questions(self.session, exam_id)
        return self.exams[exam_id]


def load_fold_records(session: Session, attempt_id: str) -> list[FoldRecord]:
    rows = session.execute(
        select(
            SyncRecord.id,
            SyncRecord.seq,
            SyncRecord.kind,
            SyncRecord.at,
            SyncRecord.data,
            SyncRecord.workstation_id,
        )
        .where(SyncRecord.attempt_id == attempt_id)
        .order_by(SyncRecord.seq)
    ).all()
    return [FoldRecord(*row) for row in rows]


def recompute_attempt(
    session: Session, attempt_id: str, *, user_id: str, secret: bytes, exams: ExamCache
) -> Attempt | None:
    """Rebuild the attempt from all its kept records; None while its start is missing."""
    records = load_fold_records(session, attempt_id)
    start = next((r for r in records if r.kind == "attempt.started"), None)
    if start is None:
        return session.get(Attempt, attempt_id)
    delivery = session.get(Delivery, str(start.data["delivery_id"]).lower())
    if delivery is None:  # deleted since the start was accepted; keep the records only
        log.warning("attempt %s: its delivery no longer exists", attempt_id)
        return session.get(Attempt, attempt_id)
    questions = exams.questions(delivery.exam_id)
    folded = fold_attempt(records, questions)
    assert folded is not None
    attempt = session.get(Attempt, attempt_id)
    if attempt is None:
        attempt = Attempt(
            id=attempt_id,
            delivery_id=delivery.id,
            exam_id=delivery.exam_id,
            taker_id=str(start.data["taker_id"]).lower(),
            workstation_id=start.workstation_id,
            started_at=start.at,
            status="in_progress",
            max_score_units=sum(q.points_units for q in questions.values()),
            score_source="auto",
            created_by=user_id,
            integrity="unverified",
        )
        session.add(attempt)
        session.flush()
    sync_store.replace_answers(session, attempt_id, _answer_rows(attempt_id, folded))
    _apply_status(session, attempt, folded, questions, secret)
    return attempt


def _answer_rows(attempt_id: str, folded: FoldedAttempt) -> list[dict[str, object]]:
    return [
        {
            "attempt_id": attempt_id,
            "question_id": a.question_id,
            "position": a.position,
            "answer": a.answer,
            "answered_at": a.answered_at,
            "flagged": a.flagged,
            "answer_seq": a.answer_seq,
            "time_spent_ms": a.time_spent_ms,
            "time_seq": a.time_seq,
        }
        for a in folded.answers.values()
    ]


def _apply_status(
    session: Session,
    attempt: Attempt,
    folded: FoldedAttempt,
    questions: Mapping[str, QuestionInfo],
    secret: bytes,
) -> None:
    attempt.updated_at = utcnow()
    if folded.end is None:
        return  # an attempt ended online stays ended; the records just add answers
    attempt.status = folded.status
    attempt.finished_at = folded.finished_at
    if folded.end.kind == "attempt.finished":
        attempt.record_count = int(folded.end.data["record_count"])
        attempt.digest = str(folded.end.data["digest"])
        attempt.receipt_code = receipt_code(secret, attempt.id, attempt.digest)
    session.flush()
    rescore_attempt(session, attempt, questions)


def apply_incremental(
    session: Session,
    attempt: Attempt,
    records: Iterable[FoldRecord],
    *,
    end_seq: int | None,
    exams: ExamCache,
) -> list[dict[str, object]]:
    """Answer rows to upsert for new records of a started attempt (no ending among them).

    Records after the attempt's end are ignored, as the fold ignores them; so are
    answers to an attempt ended online (it has no ending record to compare with).
    """
    if attempt.status != "in_progress" and end_seq is None:
        return []
    questions = exams.questions(attempt.exam_id)
    best: dict[str, dict[str, object]] = {}
    for record in records:
        if end_seq is not None and record.seq > end_seq:
            continue
        effect = answer_effect(record, questions)
        if effect is None:
            continue
        question, answer, time_ms = effect
        row = best.get(question.question_id)
        if row is None:
            row = best[question.question_id] = {
                "attempt_id": attempt.id,
                "question_id": question.question_id,
                "position": question.position,
                "answer": [],
                "answered_at": None,
                "flagged": False,
                "answer_seq": 0,
                "time_spent_ms": 0,
                "time_seq": 0,
            }
        if answer is not None and record.seq > int(str(row["answer_seq"])):
            row.update(
                answer=answer,
                answered_at=record.at,
                flagged=bool(record.data.get("flagged", False)),
                answer_seq=record.seq,
            )
        if time_ms is not None and record.seq > int(str(row["time_seq"])):
            row.update(time_spent_ms=time_ms, time_seq=record.seq)
    return list(best.values())


def marker_seqs(session: Session, attempt_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """attempt id -> {kind: lowest seq} for starts and endings (one query)."""
    if not attempt_ids:
        return {}
    rows = session.execute(
        select(SyncRecord.attempt_id, SyncRecord.kind, func.min(SyncRecord.seq))
        .where(
            SyncRecord.attempt_id.in_(attempt_ids),
            SyncRecord.kind.in_(("attempt.started", *ENDING_KINDS)),
        )
        .group_by(SyncRecord.attempt_id, SyncRecord.kind)
    ).all()
    found: dict[str, dict[str, int]] = {}
    for attempt_id, kind, seq in rows:
        found.setdefault(str(attempt_id), {})[kind] = seq
    return found


def end_seq_of(markers: Mapping[str, int]) -> int | None:
    ends = [markers[k] for k in ENDING_KINDS if k in markers]
    return min(ends) if ends else None


def check_integrity(
    session: Session, attempt: Attempt, *, start_seq: int, finish_seq: int, hwm: int
) -> list[int]:
    """Set ``integrity`` from the records held before the finish; the missing seqs."""
    held: dict[int, str] = {
        seq: str(rid)
        for rid, seq in session.execute(
            select(SyncRecord.id, SyncRecord.seq).where(
                SyncRecord.attempt_id == attempt.id, SyncRecord.seq < finish_seq
            )
        ).all()
    }
    for rid, seq in session.execute(
        select(QuarantinedRecord.record_id, QuarantinedRecord.seq).where(
            QuarantinedRecord.attempt_id == attempt.id,
            QuarantinedRecord.seq < finish_seq,
            QuarantinedRecord.record_id.is_not(None),
        )
    ).all():
        if seq is not None:
            held.setdefault(seq, str(rid))
    ids = [held[seq] for seq in sorted(held)]
    complete = len(ids) == attempt.record_count and records_digest(ids) == attempt.digest
    previous = attempt.integrity
    attempt.integrity = "complete" if complete else "incomplete"
    if complete:
        return []
    missing = _missing_seqs(session, attempt.workstation_id, start_seq, finish_seq, hwm)
    if not missing and previous != "incomplete":
        session.add(
            IntegrityAlert(
                kind="digest_mismatch",
                attempt_id=attempt.id,
                workstation_id=attempt.workstation_id,
                detail=f"held {len(ids)} records before the finish, "
                f"the workstation counted {attempt.record_count}, and the digests differ",
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
        session.scalars(
            select(SyncRecord.seq).where(
                SyncRecord.workstation_id == workstation_id,
                SyncRecord.seq > low,
                SyncRecord.seq < finish_seq,
            )
        )
    )
    held.update(
        seq
        for seq in session.scalars(
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
