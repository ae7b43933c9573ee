"""The questions of an exam as attempts, answers and scoring need them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import ExamQuestion, Question
from medxam_server.rules.answers import QuestionInfo


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
