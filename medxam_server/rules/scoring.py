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
