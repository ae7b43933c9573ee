"""Attempts and answers as the API shows them (plain dicts; points from exact units)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion, Delivery, Exam, ExamQuestion, Taker
from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.points import from_units
from medxam_server.rules.scoring import percent, score_question

SCORE_FIELDS = ("score", "penalty", "total", "max_score", "percent", "passed")
# Admins only, like the scores: a receipt code looks the attempt up (GET /api/receipts).
ADMIN_ONLY_FIELDS = (*SCORE_FIELDS, "receipt_code")


def attempt_view(
    attempt: Attempt, pass_score_units: int, *, with_scores: bool = True
) -> dict[str, Any]:
    """API.md's attempt. Score fields are null until the attempt is scored (finished), and
    always null without ``with_scores`` (proctors: issue 13, finding 2), as is the receipt
    code (null until the attempt's ``attempt.finished`` arrives by batch sync)."""
    scored = attempt.score_units is not None and attempt.penalty_units is not None
    total = (attempt.score_units or 0) - (attempt.penalty_units or 0)
    view = {
        "id": attempt.id,
        "delivery_id": attempt.delivery_id,
        "exam_id": attempt.exam_id,
        "taker_id": attempt.taker_id,
        "workstation_id": attempt.workstation_id,
        "status": attempt.status,
        "started_at": attempt.started_at,
        "finished_at": attempt.finished_at,
        "score": from_units(attempt.score_units) if attempt.score_units is not None else None,
        "penalty": (
            from_units(attempt.penalty_units) if attempt.penalty_units is not None else None
        ),
        "total": from_units(total) if scored else None,
        "max_score": from_units(attempt.max_score_units),
        "percent": percent(total, attempt.max_score_units) if scored else None,
        "passed": (total >= pass_score_units) if scored else None,
        "score_source": attempt.score_source,
        "created_by": attempt.created_by,
        "created_at": attempt.created_at,
        "updated_at": attempt.updated_at,
        "integrity": attempt.integrity,
        "receipt_code": attempt.receipt_code,
    }
    if not with_scores:
        view.update(dict.fromkeys(ADMIN_ONLY_FIELDS))
    return view


def pass_scores(session: Session, exam_ids: set[str]) -> dict[str, int]:
    if not exam_ids:
        return {}
    rows = session.execute(select(Exam.id, Exam.pass_score_units).where(Exam.id.in_(exam_ids)))
    return {exam_id: units for exam_id, units in rows}


def attempt_views(
    session: Session, attempts: list[Attempt], *, with_scores: bool = True
) -> list[dict[str, Any]]:
    scores = pass_scores(session, {a.exam_id for a in attempts})
    return [attempt_view(a, scores.get(a.exam_id, 0), with_scores=with_scores) for a in attempts]


def details_view(session: Session, attempt: Attempt, *, with_scores: bool = True) -> dict[str, Any]:
    """The attempt with its taker, exam and delivery (never the start code)."""
    taker = session.get_one(Taker, attempt.taker_id)
    exam = session.get_one(Exam, attempt.exam_id)
    delivery = session.get_one(Delivery, attempt.delivery_id)
    question_count = len(
        session.scalars(select(ExamQuestion.position).where(ExamQuestion.exam_id == exam.id)).all()
    )
    view = attempt_view(attempt, exam.pass_score_units, with_scores=with_scores)
    view["taker"] = {
        "id": taker.id,
        "candidate_number": taker.candidate_number,
        "full_name": taker.full_name,
        "email": taker.email,
    }
    view["exam"] = {
        "id": exam.id,
        "title": exam.title,
        "description": exam.description,
        "duration_minutes": exam.duration_minutes,
        "pass_score": from_units(exam.pass_score_units),
        "question_count": question_count,
        "version": exam.version,
    }
    view["delivery"] = {
        "id": delivery.id,
        "title": delivery.title,
        "exam_id": delivery.exam_id,
        "group_id": delivery.group_id,
        "opens_at": delivery.opens_at,
        "closes_at": delivery.closes_at,
        "location": delivery.location,
    }
    return view


def answer_view(
    row: AttemptQuestion, question: QuestionInfo | None, *, with_grading: bool
) -> dict[str, Any]:
    """One answer; ``is_correct``/``points_awarded`` only when ``with_grading`` (admins),
    computed from the current answer and key (null for proctors, and for omitted ones)."""
    is_correct: bool | None = None
    points_awarded: float | None = None
    if with_grading and question is not None:
        outcome = score_question(question, row.answer)
        is_correct = outcome.is_correct
        points_awarded = from_units(outcome.points_awarded_units)
    return {
        "question_id": row.question_id,
        "position": row.position,
        "answer": list(row.answer),
        "time_spent_ms": row.time_spent_ms,
        "answered_at": row.answered_at,
        "flagged": row.flagged,
        "is_correct": is_correct,
        "points_awarded": points_awarded,
    }


def answer_views(
    rows: list[AttemptQuestion], questions: Mapping[str, QuestionInfo], *, with_grading: bool
) -> list[dict[str, Any]]:
    return [
        answer_view(row, questions.get(row.question_id), with_grading=with_grading)
        for row in sorted(rows, key=lambda r: r.position)
    ]
