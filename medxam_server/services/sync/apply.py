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
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from medxam_server.models import utcnow
from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.fold import (
    ENDING_KINDS,
    Fact,
    FoldedAttempt,
    FoldRecord,
    answer_effect,
    fold_attempt,
)
from medxam_server.rules.receipt_codes import receipt_code
from medxam_server.rules.records import ValidRecord
from medxam_server.rules.scoring import score_answers
from medxam_server.services.attempts.scoring import rescore_answers
from medxam_server.services.sync import answer_rows, custody, held_records
from medxam_server.services.sync.answer_rows import AnswerRow, mask
from medxam_server.services.sync.attempt_rows import (
    AttemptRow,
    insert_attempts,
    write_changed,
)
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.held_records import AttemptRecords
from medxam_server.services.sync.integrity import check_integrity

log = logging.getLogger(__name__)

NONE_HELD = AttemptRecords()


@dataclass(frozen=True)
class FoldContext:
    workstation_id: str
    user_id: str
    secret: bytes
    high_water_mark: int
    exams: ExamCache


def fold_batch(
    session: Session,
    ctx: FoldContext,
    applied: Sequence[ValidRecord],
    touched: set[str],
    attempts: dict[str, AttemptRow],
) -> list[dict[str, Any]]:
    """Apply a batch's new records to their attempts; one receipt entry per attempt.

    ``touched`` are the attempt ids the batch names, ``attempts`` those that existed
    (``load_attempts``); attempts the batch creates are added to it.
    """
    new: dict[str, list[Fact]] = defaultdict(list)
    for r in applied:
        new[r.attempt_id].append(r)
    ids = sorted(touched)
    held = held_records.attempt_records(session, ids)
    rebuild = [
        aid
        for aid, records in sorted(new.items())
        if any(r.kind in ENDING_KINDS for r in records)
        or (aid not in attempts and any(r.kind == "attempt.started" for r in records))
    ]
    # Only attempts with records from earlier batches need them read back.
    partial = [aid for aid in rebuild if held.get(aid, NONE_HELD).count != len(new[aid])]
    loaded = custody.own_records(
        session, held_records.fold_records(session, partial), attempts, ctx.workstation_id
    )
    known = {aid: new[aid] for aid in rebuild} | loaded
    rebuilt = rebuild_attempts(session, ctx, known, attempts)
    attempts.update(rebuilt)
    upserts: list[dict[str, Any]] = []
    rescore: list[AttemptRow] = []
    for aid, records in sorted(new.items()):
        attempt = attempts.get(aid)
        if aid in rebuilt or attempt is None:
            continue
        end_seq = held.get(aid, NONE_HELD).end_seq
        rows = incremental_rows(attempt, records, end_seq=end_seq, exams=ctx.exams)
        upserts.extend(rows)
        if rows and attempt.status != "in_progress":
            rescore.append(attempt)
    answer_rows.upsert_answers(session, upserts)
    for attempt in rescore:
        score = rescore_answers(session, attempt.id, ctx.exams.questions(attempt.exam_id))
        attempt.max_score_units = score.max_score_units
        if attempt.score_source != "manual":
            attempt.score_units = score.score_units
            attempt.penalty_units = score.penalty_units
        attempt.updated_at = utcnow()
    finished = [
        (attempts[aid], held[aid])
        for aid in ids
        if aid in attempts
        and attempts[aid].digest is not None
        and "attempt.finished" in held.get(aid, NONE_HELD).markers
    ]
    missing = check_integrity(session, finished, ctx.high_water_mark, known)
    # Attempts created by this batch are inserted last, integrity and all, so each is
    # written once; the others are updated where they changed.
    insert_attempts(session, [a for a in attempts.values() if a.loaded is None])
    write_changed(session, attempts.values())
    session.flush()
    return [
        {
            "attempt_id": aid,
            "records": held.get(aid, NONE_HELD).count,
            "integrity": attempts[aid].integrity if aid in attempts else "unverified",
            "missing_seq": missing.get(aid, []),
            "receipt_code": attempts[aid].receipt_code if aid in attempts else None,
        }
        for aid in ids
    ]


def rebuild_attempts(
    session: Session,
    ctx: FoldContext,
    records: Mapping[str, Sequence[Fact]],
    attempts: Mapping[str, AttemptRow],
) -> dict[str, AttemptRow]:
    """Rebuild (or create) attempts from all their records; those that exist afterwards.

    A created attempt (``loaded`` None) is not inserted here: ``fold_batch`` does, once its
    integrity is known."""
    starts = {}
    for attempt_id, recs in records.items():
        start = min(
            (r for r in recs if r.kind == "attempt.started"), key=lambda r: r.seq, default=None
        )
        if start is not None:
            starts[attempt_id] = start
    exam_of = ctx.exams.exams_of({str(s.data["delivery_id"]).lower() for s in starts.values()})
    rebuilt: dict[str, AttemptRow] = {}
    existing_rows: list[AnswerRow] = []  # of existing attempts (may have rows already)
    new_answer_rows: list[AnswerRow] = []  # of attempts created here
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
            attempt = AttemptRow(
                id=attempt_id,
                delivery_id=delivery_id,
                exam_id=exam_of[delivery_id],
                taker_id=str(start.data["taker_id"]).lower(),
                # The start is new (sent by this workstation) or read back.
                workstation_id=start.workstation_id
                if isinstance(start, FoldRecord)
                else ctx.workstation_id,
                status="in_progress",
                started_at=start.at,
                finished_at=None,
                score_units=None,
                penalty_units=None,
                max_score_units=0,
                score_source="auto",
                created_by=ctx.user_id,
                integrity="unverified",
                record_count=None,
                digest=None,
                receipt_code=None,
            )
        rows = _apply_fold(attempt, folded, questions, ctx.secret)
        (existing_rows if attempt_id in attempts else new_answer_rows).extend(rows)
        rebuilt[attempt_id] = attempt
    answer_rows.insert_new_answers(session, new_answer_rows)
    existing = sorted(aid for aid in rebuilt if aid in attempts)
    answer_rows.replace_answers(session, existing, existing_rows)
    return rebuilt


def _apply_fold(
    attempt: AttemptRow,
    folded: FoldedAttempt,
    questions: Mapping[str, QuestionInfo],
    secret: bytes,
) -> list[AnswerRow]:
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
    per_question = score.per_question
    rows: list[AnswerRow] = []
    for a in folded.answers.values():
        outcome = per_question[a.question_id]
        rows.append(
            (
                attempt.id,
                a.question_id,
                a.position,
                a.answer,
                mask(a.answer),
                a.answered_text,
                a.flagged,
                a.answer_seq,
                a.time_spent_ms,
                a.time_seq,
                outcome.is_correct if ended else None,
                outcome.points_awarded_units if ended else None,
            )
        )
    return rows


def incremental_rows(
    attempt: AttemptRow,
    records: Iterable[Fact],
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
                answer_mask=mask(answer),
                answered_at=record.at,
                flagged=bool(record.data.get("flagged", False)),
                answer_seq=record.seq,
            )
        if time_ms is not None and record.seq > row["time_seq"]:
            row.update(time_spent_ms=time_ms, time_seq=record.seq)
    return list(best.values())
