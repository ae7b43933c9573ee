"""Turning kept sync records into attempts and answers (the database side of the fold).

New records for a running attempt are applied incrementally (one set-based upsert in
which the highest ``seq`` wins). When an attempt's start arrives, or an ending record,
the attempt is rebuilt from all its kept records with ``fold.fold_attempt``, so it is
always exactly what the records say, whatever order they came in. Everything is done
for the whole batch at once: a few queries per batch, not per record.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medxam_server.models import (
    Attempt,
    Delivery,
    IntegrityAlert,
    QuarantinedRecord,
    SyncRecord,
    answer_mask,
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
from medxam_server.services.scoring import rescore_attempt, score_answers
from medxam_server.services.sync_validation import ValidRecord

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


@dataclass(frozen=True)
class FoldContext:
    workstation_id: str
    user_id: str
    secret: bytes
    high_water_mark: int
    exams: ExamCache


def fold_batch(
    session: Session, ctx: FoldContext, applied: Sequence[ValidRecord], touched: set[str]
) -> list[dict[str, Any]]:
    """Apply a batch's new records to their attempts; one receipt entry per attempt."""
    new: dict[str, list[FoldRecord]] = defaultdict(list)
    for r in applied:
        new[r.attempt_id].append(FoldRecord(r.id, r.seq, r.kind, r.at, r.data, ctx.workstation_id))
    ids = sorted(touched)
    attempts = {a.id: a for a in session.scalars(select(Attempt).where(Attempt.id.in_(ids)))}
    counts = record_counts(session, ids)
    markers = marker_seqs(session, ids)
    rebuild = [
        aid
        for aid, records in sorted(new.items())
        if any(r.kind in ENDING_KINDS for r in records)
        or (aid not in attempts and any(r.kind == "attempt.started" for r in records))
    ]
    # Only attempts with records from earlier batches need them read back.
    partial = [aid for aid in rebuild if counts.get(aid, 0) != len(new[aid])]
    known = {aid: new[aid] for aid in rebuild} | load_fold_records(session, partial)
    rebuilt = rebuild_attempts(session, ctx, known, attempts)
    attempts.update(rebuilt)
    upserts: list[dict[str, Any]] = []
    rescore: list[Attempt] = []
    for aid, records in sorted(new.items()):
        attempt = attempts.get(aid)
        if aid in rebuilt or attempt is None:
            continue
        rows = incremental_rows(
            attempt, records, end_seq=end_seq_of(markers.get(aid, {})), exams=ctx.exams
        )
        upserts.extend(rows)
        if rows and attempt.status != "in_progress":
            rescore.append(attempt)
    sync_store.upsert_answers(session, upserts)
    for attempt in rescore:
        rescore_attempt(session, attempt, ctx.exams.questions(attempt.exam_id))
        attempt.updated_at = utcnow()
    finished = [
        (attempts[aid], markers[aid])
        for aid in ids
        if aid in attempts
        and attempts[aid].digest is not None
        and "attempt.finished" in markers.get(aid, {})
    ]
    missing = check_integrity(session, finished, ctx.high_water_mark)
    session.flush()
    return [
        {
            "attempt_id": aid,
            "records": counts.get(aid, 0),
            "integrity": attempts[aid].integrity if aid in attempts else "unverified",
            "missing_seq": missing.get(aid, []),
            "receipt_code": attempts[aid].receipt_code if aid in attempts else None,
        }
        for aid in ids
    ]


def load_fold_records(session: Session, attempt_ids: Sequence[str]) -> dict[str, list[FoldRecord]]:
    found: dict[str, list[FoldRecord]] = defaultdict(list)
    if not attempt_ids:
        return found
    rows = session.execute(
        select(
            SyncRecord.attempt_id,
            SyncRecord.id,
            SyncRecord.seq,
            SyncRecord.kind,
            SyncRecord.at,
            SyncRecord.data,
            SyncRecord.workstation_id,
        )
        .where(SyncRecord.attempt_id.in_(attempt_ids))
        .order_by(SyncRecord.attempt_id, SyncRecord.seq)
    ).all()
    for attempt_id, rid, seq, kind, at, data, ws in rows:
        found[str(attempt_id)].append(FoldRecord(str(rid), seq, kind, at, data, str(ws)))
    return found


def rebuild_attempts(
    session: Session,
    ctx: FoldContext,
    records: Mapping[str, list[FoldRecord]],
    attempts: Mapping[str, Attempt],
) -> dict[str, Attempt]:
    """Rebuild (or create) attempts from all their records; those that exist afterwards."""
    starts = {}
    for attempt_id, recs in records.items():
        start = min(
            (r for r in recs if r.kind == "attempt.started"), key=lambda r: r.seq, default=None
        )
        if start is not None:
            starts[attempt_id] = start
    delivery_ids = {str(s.data["delivery_id"]).lower() for s in starts.values()}
    exam_of = (
        {
            str(did): str(exam)
            for did, exam in session.execute(
                select(Delivery.id, Delivery.exam_id).where(Delivery.id.in_(delivery_ids))
            ).all()
        }
        if delivery_ids
        else {}
    )
    rebuilt: dict[str, Attempt] = {}
    answer_rows: list[dict[str, Any]] = []
    for attempt_id, start in starts.items():
        delivery_id = str(start.data["delivery_id"]).lower()
        if delivery_id not in exam_of:
            log.warning("attempt %s: its delivery no longer exists", attempt_id)
            continue
        questions = ctx.exams.questions(exam_of[delivery_id])
        folded = fold_attempt(records[attempt_id], questions)
        assert folded is not None
        attempt = attempts.get(attempt_id)
        if attempt is None:
            attempt = Attempt(
                id=attempt_id,
                delivery_id=delivery_id,
                exam_id=exam_of[delivery_id],
                taker_id=str(start.data["taker_id"]).lower(),
                workstation_id=start.workstation_id,
                started_at=start.at,
                status="in_progress",
                score_source="auto",
                created_by=ctx.user_id,
                integrity="unverified",
            )
            session.add(attempt)
        answer_rows.extend(_apply_fold(attempt, folded, questions, ctx.secret))
        rebuilt[attempt_id] = attempt
    session.flush()
    sync_store.replace_answers(session, sorted(rebuilt), answer_rows)
    return rebuilt


def _apply_fold(
    attempt: Attempt,
    folded: FoldedAttempt,
    questions: Mapping[str, QuestionInfo],
    secret: bytes,
) -> list[dict[str, Any]]:
    """Set the attempt from its fold (scored when ended); its answer rows."""
    attempt.updated_at = utcnow()
    attempt.max_score_units = sum(q.points_units for q in questions.values())
    end = folded.end
    ended = end is not None or attempt.status != "in_progress"
    if end is not None:
        attempt.status = folded.status
        attempt.finished_at = folded.finished_at
        if end.kind == "attempt.finished":
            attempt.record_count = int(end.data["record_count"])
            attempt.digest = str(end.data["digest"])
            attempt.receipt_code = receipt_code(secret, attempt.id, attempt.digest)
    score = score_answers(questions.values(), {qid: a.answer for qid, a in folded.answers.items()})
    if ended and attempt.score_source != "manual":
        attempt.score_units = score.score_units
        attempt.penalty_units = score.penalty_units
    rows = []
    for a in folded.answers.values():
        outcome = score.per_question[a.question_id]
        rows.append(
            {
                "attempt_id": attempt.id,
                "question_id": a.question_id,
                "position": a.position,
                "answer": a.answer,
                "answer_mask": answer_mask(a.answer),
                "answered_at": a.answered_at,
                "flagged": a.flagged,
                "answer_seq": a.answer_seq,
                "time_spent_ms": a.time_spent_ms,
                "time_seq": a.time_seq,
                "is_correct": outcome.is_correct if ended else None,
                "points_awarded_units": outcome.points_awarded_units if ended else None,
            }
        )
    return rows


def incremental_rows(
    attempt: Attempt,
    records: Iterable[FoldRecord],
    *,
    end_seq: int | None,
    exams: ExamCache,
) -> list[dict[str, Any]]:
    """Answer rows to upsert for new records of a started attempt (no ending among them).

    Records after the attempt's end are ignored, as the fold ignores them; so are
    answers to an attempt ended online (it has no ending record to compare with).
    """
    if attempt.status != "in_progress" and end_seq is None:
        return []
    questions = exams.questions(attempt.exam_id)
    best: dict[str, dict[str, Any]] = {}
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
                "answer_mask": 0,
                "answered_at": None,
                "flagged": False,
                "answer_seq": 0,
                "time_spent_ms": 0,
                "time_seq": 0,
            }
        if answer is not None and record.seq > row["answer_seq"]:
            row.update(
                answer=answer,
                answer_mask=answer_mask(answer),
                answered_at=record.at,
                flagged=bool(record.data.get("flagged", False)),
                answer_seq=record.seq,
            )
        if time_ms is not None and record.seq > row["time_seq"]:
            row.update(time_spent_ms=time_ms, time_seq=record.seq)
    return list(best.values())


def record_counts(session: Session, attempt_ids: list[str]) -> dict[str, int]:
    if not attempt_ids:
        return {}
    rows = session.execute(
        select(SyncRecord.attempt_id, func.count())
        .where(SyncRecord.attempt_id.in_(attempt_ids))
        .group_by(SyncRecord.attempt_id)
    ).all()
    return {str(attempt_id): count for attempt_id, count in rows}


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
    session: Session, finished: Sequence[tuple[Attempt, Mapping[str, int]]], hwm: int
) -> dict[str, list[int]]:
    """Set each finished attempt's ``integrity`` from the records held before its finish
    (kept or quarantined); attempt id -> the workstation seqs still missing."""
    if not finished:
        return {}
    ids = [a.id for a, _ in finished]
    held: dict[str, dict[int, str]] = defaultdict(dict)
    for attempt_id, rid, seq in session.execute(
        select(SyncRecord.attempt_id, SyncRecord.id, SyncRecord.seq).where(
            SyncRecord.attempt_id.in_(ids)
        )
    ).all():
        held[str(attempt_id)][seq] = str(rid)
    for q_attempt, q_record, q_seq in session.execute(
        select(
            QuarantinedRecord.attempt_id, QuarantinedRecord.record_id, QuarantinedRecord.seq
        ).where(QuarantinedRecord.attempt_id.in_(ids), QuarantinedRecord.record_id.is_not(None))
    ).all():
        if q_seq is not None:
            held[str(q_attempt)].setdefault(q_seq, str(q_record))
    missing: dict[str, list[int]] = {}
    for attempt, marks in finished:
        finish_seq = marks["attempt.finished"]
        mine = held[attempt.id]
        record_ids = [mine[s] for s in sorted(mine) if s < finish_seq]
        complete = (
            len(record_ids) == attempt.record_count and records_digest(record_ids) == attempt.digest
        )
        previous, attempt.integrity = attempt.integrity, "complete" if complete else "incomplete"
        if complete:
            continue
        start_seq = marks.get("attempt.started", 0)
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
