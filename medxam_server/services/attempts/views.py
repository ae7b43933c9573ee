"""Attempts and answers as the API shows them: frozen values the routers shape into JSON
(points from exact units, scores withheld from proctors)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion, Delivery, Exam, ExamQuestion, Taker
from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.points import from_units
from medxam_server.rules.scoring import percent, score_question


@dataclass(frozen=True, slots=True)
class AttemptView:
    """API.md's attempt; points as floats (``from_units``)."""

    id: str
    delivery_id: str
    exam_id: str
    taker_id: str
    workstation_id: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    score: float | None
    penalty: float | None
    total: float | None
    max_score: float | None
    percent: float | None
    passed: bool | None
    score_source: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    integrity: str
    receipt_code: str | None


@dataclass(frozen=True, slots=True)
class AttemptDetails:
    """The attempt with the rows it belongs to (the router never shows the start code)."""

    attempt: AttemptView
    taker: Taker
    exam: Exam
    delivery: Delivery
    question_count: int


@dataclass(frozen=True, slots=True)
class AnswerView:
    question_id: str
    position: int
    answer: tuple[str, ...]
    time_spent_ms: int
    answered_at: datetime | None
    flagged: bool
    is_correct: bool | None
    points_awarded: float | None


def attempt_view(
    attempt: Attempt, pass_score_units: int, *, with_scores: bool = True
) -> AttemptView:
    """Score fields are None until the attempt is scored (finished), and always None
    without ``with_scores`` (proctors: issue 13, finding 2), as is the receipt code (None
    until the attempt's ``attempt.finished`` arrives by batch sync)."""
    scored = attempt.score_units is not None and attempt.penalty_units is not None
    total = (attempt.score_units or 0) - (attempt.penalty_units or 0)
    view = AttemptView(
        id=attempt.id,
        delivery_id=attempt.delivery_id,
        exam_id=attempt.exam_id,
        taker_id=attempt.taker_id,
        workstation_id=attempt.workstation_id,
        status=attempt.status,
        started_at=attempt.started_at,
        finished_at=attempt.finished_at,
        score=from_units(attempt.score_units) if attempt.score_units is not None else None,
        penalty=(from_units(attempt.penalty_units) if attempt.penalty_units is not None else None),
        total=from_units(total) if scored else None,
        max_score=from_units(attempt.max_score_units),
        percent=percent(total, attempt.max_score_units) if scored else None,
        passed=(total >= pass_score_units) if scored else None,
        score_source=attempt.score_source,
        created_by=attempt.created_by,
        created_at=attempt.created_at,
        updated_at=attempt.updated_at,
        integrity=attempt.integrity,
        receipt_code=attempt.receipt_code,
    )
    if not with_scores:
        # Admins only: the six score fields, and the receipt code, which looks the
        # attempt up (GET /api/receipts).
        view = replace(
            view,
            score=None,
            penalty=None,
            total=None,
            max_score=None,
            percent=None,
            passed=None,
            receipt_code=None,
        )
    return view


def pass_scores(session: Session, exam_ids: set[str]) -> dict[str, int]:
    """Each exam's pass score in units, by exam id."""
    if not exam_ids:
        return {}
    rows = session.execute(select(Exam.id, Exam.pass_score_units).where(Exam.id.in_(exam_ids)))
    return {exam_id: units for exam_id, units in rows}


def attempt_views(
    session: Session, attempts: list[Attempt], *, with_scores: bool = True
) -> list[AttemptView]:
    scores = pass_scores(session, {a.exam_id for a in attempts})
    return [attempt_view(a, scores.get(a.exam_id, 0), with_scores=with_scores) for a in attempts]


def details_view(session: Session, attempt: Attempt, *, with_scores: bool = True) -> AttemptDetails:
    """The attempt with its taker, exam and delivery."""
    taker = session.get_one(Taker, attempt.taker_id)
    exam = session.get_one(Exam, attempt.exam_id)
    delivery = session.get_one(Delivery, attempt.delivery_id)
    question_count = len(
        session.scalars(select(ExamQuestion.position).where(ExamQuestion.exam_id == exam.id)).all()
    )
    return AttemptDetails(
        attempt=attempt_view(attempt, exam.pass_score_units, with_scores=with_scores),
        taker=taker,
        exam=exam,
        delivery=delivery,
        question_count=question_count,
    )


def answer_view(
    row: AttemptQuestion, question: QuestionInfo | None, *, with_grading: bool
) -> AnswerView:
    """One answer; ``is_correct``/``points_awarded`` only when ``with_grading`` (admins),
    computed from the current answer and key (None for proctors, and for omitted ones)."""
    is_correct: bool | None = None
    points_awarded: float | None = None
    if with_grading and question is not None:
        outcome = score_question(question, row.answer)
        is_correct = outcome.is_correct
        points_awarded = from_units(outcome.points_awarded_units)
    return AnswerView(
        question_id=row.question_id,
        position=row.position,
        answer=tuple(row.answer),
        time_spent_ms=row.time_spent_ms,
        answered_at=row.answered_at,
        flagged=row.flagged,
        is_correct=is_correct,
        points_awarded=points_awarded,
    )


def answer_views(
    rows: list[AttemptQuestion], questions: Mapping[str, QuestionInfo], *, with_grading: bool
) -> list[AnswerView]:
    return [
        answer_view(row, questions.get(row.question_id), with_grading=with_grading)
        for row in sorted(rows, key=lambda r: r.position)
    ]
