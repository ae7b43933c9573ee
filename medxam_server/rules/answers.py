"""A question as attempts, answers and scoring see it, and whether an answer fits it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class QuestionInfo:
    question_id: str
    position: int
    type: str  # single | multiple | true_false
    labels: frozenset[str]  # the option labels
    key: frozenset[str]
    points_units: int
    penalty_units: int


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
