"""The questions of an exam as attempts, answers and scoring need them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import ExamQuestion, Question


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    question_id: str
    position: int
    type: str  # single | multiple | true_false
    labels: frozenset[str]  # the option labels
    key: frozenset[str]
    points_units: int
    penalty_units: int


def load_exam_questions(session: Session, exam_id: str) -> dict[str, QuestionInfo]:
    """Question id -> info, for one exam (one query)."""
    rows = session.execute(
        select(
            Question.id,
            ExamQuestion.position,
            Question.type,
            Question.options,
            Question.key,
            Question.points_units,
            Question.penalty_units,
        )
        .join(ExamQuestion, ExamQuestion.question_id == Question.id)
        .where(ExamQuestion.exam_id == exam_id)
        .order_by(ExamQuestion.position)
    ).all()
    return {
        qid: QuestionInfo(
            question_id=qid,
            position=position,
            type=qtype,
            labels=frozenset(str(option["label"]) for option in options),
            key=frozenset(key),
            points_units=points,
            penalty_units=penalty,
        )
        for qid, position, qtype, options, key, points, penalty in rows
    }


def answer_problem(question: QuestionInfo, answer: Sequence[str]) -> str | None:
    """Why ``answer`` cannot be an answer to ``question``, or None when it can.

    ``[]`` (cleared) is always allowed; ``single`` and ``true_false`` take one label.
    """
    unknown = sorted(set(answer) - question.labels)
    if unknown:
        return f"unknown option(s) {', '.join(unknown)} for this question"
    if len(set(answer)) != len(answer):
        return "the same option is given twice"
    if question.type in ("single", "true_false") and len(answer) > 1:
        return f"a {question.type} question takes one option"
    return None
