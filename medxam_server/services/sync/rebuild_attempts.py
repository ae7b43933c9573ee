"""Attempts rebuilt from all their kept records (``rules.fold.fold_attempt``), part of the
apply stage: when an attempt's start arrives, or an ending record, its attempt row and
answer rows become exactly what its records say, scored once it has ended (API.md
rules 3, 6 and 7). An attempt whose start arrives in this batch is created here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from medxam_server.models import utcnow
from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.fold import Fact, FoldedAttempt, FoldRecord, fold_attempt
from medxam_server.rules.receipt_codes import receipt_code
from medxam_server.rules.scoring import score_answers
from medxam_server.services.sync import answer_rows
from medxam_server.services.sync.answer_rows import AnswerRow, mask
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.batch_state import BatchState

log = logging.getLogger(__name__)


def rebuild_attempts(
    session: Session, state: BatchState, records: Mapping[str, Sequence[Fact]]
) -> dict[str, AttemptRow]:
    """Rebuild (or create) the attempts of ``records`` (every record of each) from them;
    those that exist afterwards. Their answer rows are written here; a created attempt
    (``loaded`` None) is inserted later, once, with its integrity."""
    attempts, exams, batch = state.attempts, state.exams, state.batch
    starts = {}
    for attempt_id, recs in records.items():
        start = min(
            (r for r in recs if r.kind == "attempt.started"), key=lambda r: r.seq, default=None
        )
        if start is not None:
            starts[attempt_id] = start
    exam_of = exams.exams_of({str(s.data["delivery_id"]).lower() for s in starts.values()})
    rebuilt: dict[str, AttemptRow] = {}
    existing_rows: list[AnswerRow] = []  # of existing attempts (may have rows already)
    new_answer_rows: list[AnswerRow] = []  # of attempts created here
    for attempt_id, start in starts.items():
        delivery_id = str(start.data["delivery_id"]).lower()
        if delivery_id not in exam_of:
            log.warning("attempt %s: its delivery no longer exists", attempt_id)
            continue
        questions = exams.questions(exam_of[delivery_id])
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
                else batch.workstation_id,
                status="in_progress",
                started_at=start.at,
                finished_at=None,
                score_units=None,
                penalty_units=None,
                max_score_units=0,
                score_source="auto",
                created_by=batch.user_id,
                integrity="unverified",
                record_count=None,
                digest=None,
                receipt_code=None,
            )
        rows = _apply_fold(attempt, folded, questions, state.secret)
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
