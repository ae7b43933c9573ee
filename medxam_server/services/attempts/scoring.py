"""Exact scoring: integer point units (``services.points``), never floats.

A question answered correctly earns its points; a wrong answer costs its penalty; an
omitted question (no answer, or ``[]``) earns and costs nothing. ``multiple`` questions
are correct only when the chosen set equals the key set. ``total = score - penalty``
and ``passed = total >= pass_score``; all of them are sums of integers, so a third of a
point summed over a thousand questions is exactly what it should be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Protocol

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, AttemptQuestion, Exam
from medxam_server.services.attempts.exam_questions import QuestionInfo, load_exam_questions

QUESTION_TYPES = ("single", "multiple", "true_false")


class ScoringQuestion(Protocol):
    """What scoring needs to know about one question (``QuestionInfo`` has it)."""

    @property
    def question_id(self) -> str: ...
    @property
    def key(self) -> frozenset[str]: ...
    @property
    def points_units(self) -> int: ...
    @property
    def penalty_units(self) -> int: ...


@dataclass(frozen=True, slots=True)
class QuestionScore:
    is_correct: bool | None  # None when omitted
    points_awarded_units: int  # points if correct, minus the penalty if wrong, else 0


@dataclass(frozen=True, slots=True)
class AttemptScore:
    score_units: int
    penalty_units: int
    max_score_units: int
    per_question: Mapping[str, QuestionScore]

    @property
    def total_units(self) -> int:
        return self.score_units - self.penalty_units


OMITTED = QuestionScore(is_correct=None, points_awarded_units=0)


def score_question(question: ScoringQuestion, answer: Sequence[str] | None) -> QuestionScore:
    """One question's outcome; ``single``/``true_false`` are the one-label case of sets."""
    if not answer:
        return OMITTED
    if len(answer) == 1 and len(question.key) == 1:  # the usual case, without building a set
        correct = answer[0] in question.key
    else:
        correct = frozenset(answer) == question.key
    if correct:
        return _outcome(True, question.points_units)
    return _outcome(False, -question.penalty_units)


@lru_cache(maxsize=4096)
def _outcome(is_correct: bool, points_awarded_units: int) -> QuestionScore:
    """Outcomes are immutable and few per exam: shared, not created per answer."""
    return QuestionScore(is_correct, points_awarded_units)


def score_answers(
    questions: Iterable[ScoringQuestion], answers: Mapping[str, Sequence[str]]
) -> AttemptScore:
    """Score an attempt's answers (question id -> chosen labels) against its exam."""
    score = penalty = maximum = 0
    per_question: dict[str, QuestionScore] = {}
    for question in questions:
        maximum += question.points_units
        outcome = score_question(question, answers.get(question.question_id))
        per_question[question.question_id] = outcome
        if outcome.is_correct:
            score += outcome.points_awarded_units
        elif outcome.is_correct is False:
            penalty += question.penalty_units
    return AttemptScore(score, penalty, maximum, per_question)


def percent(total_units: int, max_score_units: int) -> float | None:
    """``total / max_score * 100`` rounded to 2 decimals once, from the exact fraction."""
    if max_score_units <= 0:
        return None
    return round(float(Fraction(total_units * 100, max_score_units)), 2)


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
