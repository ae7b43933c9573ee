"""Scores kept in the database: rescoring attempts after a key change, an exam's
maximum and pass mark. The arithmetic is ``rules.scoring``."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion, Exam
from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.scoring import AttemptScore, score_answers
from medxam_server.services.attempts.exam_questions import load_exam_questions


def max_score_units(session: Session, exam_id: str) -> int:
    return sum(q.points_units for q in load_exam_questions(session, exam_id).values())


def rescore_attempt(
    session: Session, attempt: Attempt, questions: Mapping[str, QuestionInfo] | None = None
) -> AttemptScore:
    """Score the attempt from its stored answers and write the outcome.

    Every answer row gets ``is_correct``/``points_awarded_units``. The attempt's
    ``score``/``penalty`` are replaced unless an admin set them by hand
    (``score_source == "manual"``), which a late record never silently undoes.
    """
    if questions is None:
        questions = load_exam_questions(session, attempt.exam_id)
    result = rescore_answers(session, attempt.id, questions)
    attempt.max_score_units = result.max_score_units
    if attempt.score_source != "manual":
        attempt.score_units = result.score_units
        attempt.penalty_units = result.penalty_units
    return result


def rescore_answers(
    session: Session, attempt_id: str, questions: Mapping[str, QuestionInfo]
) -> AttemptScore:
    """Score the attempt's stored answers and write each row's outcome; the attempt's
    own score is the caller's to write."""
    rows = session.execute(
        select(AttemptQuestion.question_id, AttemptQuestion.answer).where(
            AttemptQuestion.attempt_id == attempt_id
        )
    ).all()
    answers: dict[str, list[str]] = {qid: answer for qid, answer in rows}
    result = score_answers(questions.values(), answers)
    updates = [
        {
            "b_attempt": attempt_id,
            "b_question": qid,
            "is_correct": outcome.is_correct,
            "points_awarded_units": outcome.points_awarded_units,
        }
        for qid, outcome in result.per_question.items()
        if qid in answers
    ]
    if updates:
        session.connection().execute(
            update(AttemptQuestion)
            .where(
                AttemptQuestion.attempt_id == bindparam("b_attempt"),
                AttemptQuestion.question_id == bindparam("b_question"),
            )
            .values(
                is_correct=bindparam("is_correct"),
                points_awarded_units=bindparam("points_awarded_units"),
            ),
            updates,
        )
    return result


def pass_score_units(session: Session, exam_id: str) -> int:
    return session.scalar(select(Exam.pass_score_units).where(Exam.id == exam_id)) or 0
