"""Question banks (question sets) and their questions, with the v1 question rules.

Rules: ``single`` has exactly one key; ``multiple`` one or more; ``true_false`` has
exactly the options A = True, B = False (filled in when none are given); option labels
are unique; every key is an option label. Changing a question bumps the version of every
exam that uses it, so offline packages are rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from medxam_server.models import AttemptQuestion, Exam, ExamQuestion, Question, QuestionSet
from medxam_server.services.common import (
    delete_or_conflict,
    get_or_404,
    paginate,
)
from medxam_server.services.errors import Conflict, Invalid

QUESTION_TYPES = ("single", "multiple", "true_false")
TRUE_FALSE_OPTIONS = ({"label": "A", "text": "True"}, {"label": "B", "text": "False"})

Loc = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class QuestionData:
    type: str
    stem: str
    options: Sequence[dict[str, str]]
    key: Sequence[str]
    points_units: int
    penalty_units: int = 0
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionSetView:
    question_set: QuestionSet
    question_count: int
    questions: list[Question] = field(default_factory=list)


def checked(data: QuestionData, loc: Loc = ("body",)) -> QuestionData:
    """The question with defaults filled in; ``Invalid`` listing every broken rule."""
    if data.type == "true_false" and not data.options:
        data = replace(data, options=[dict(o) for o in TRUE_FALSE_OPTIONS])
    errors = question_errors(data, loc)
    if errors:
        raise Invalid("The question is not valid.", errors=errors)
    return data


def question_errors(data: QuestionData, loc: Loc) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []

    def fail(where: str, msg: str) -> None:
        errors.append({"loc": [*loc, where], "msg": msg})

    labels = [option["label"] for option in data.options]
    if data.type not in QUESTION_TYPES:
        fail("type", f"must be one of {', '.join(QUESTION_TYPES)}")
    if len(set(labels)) != len(labels):
        fail("options", "option labels must be unique")
    if len(labels) < 2:
        fail("options", "a question needs at least two options")
    if data.type == "true_false" and [dict(o) for o in data.options] != list(TRUE_FALSE_OPTIONS):
        fail("options", 'true_false options are exactly A = "True" and B = "False"')
    if len(set(data.key)) != len(data.key):
        fail("key", "key labels must be unique")
    unknown = [label for label in data.key if label not in labels]
    if unknown:
        fail("key", f"not option labels: {', '.join(unknown)}")
    if not data.key:
        fail("key", "at least one key label is needed")
    elif data.type in ("single", "true_false") and len(data.key) != 1:
        fail("key", f"a {data.type} question has exactly one key")
    if data.points_units < 0 or data.penalty_units < 0:
        fail("points", "points and penalty cannot be negative")
    return errors


def list_sets(session: Session, *, page: int, per_page: int) -> tuple[list[QuestionSetView], int]:
    statement = select(QuestionSet).order_by(QuestionSet.title, QuestionSet.id)
    rows, total = paginate(session, statement, page=page, per_page=per_page)
    counts: dict[str, int] = {
        set_id: count
        for set_id, count in session.execute(
            select(Question.question_set_id, func.count())
            .where(Question.question_set_id.in_([r.id for r in rows]))
            .group_by(Question.question_set_id)
        )
    }
    return [QuestionSetView(r, counts.get(r.id, 0)) for r in rows], total


def get_set(session: Session, set_id: str) -> QuestionSetView:
    question_set = get_or_404(session, QuestionSet, set_id, "question set")
    questions = list(
        session.scalars(
            select(Question)
            .where(Question.question_set_id == set_id)
            .order_by(Question.created_at, Question.id)
        )
    )
    return QuestionSetView(question_set, len(questions), questions)


def create_set(session: Session, *, title: str, description: str) -> QuestionSet:
    question_set = QuestionSet(title=title, description=description)
    session.add(question_set)
    session.flush()
    return question_set


def update_set(session: Session, set_id: str, *, title: str, description: str) -> QuestionSetView:
    question_set = get_or_404(session, QuestionSet, set_id, "question set")
    question_set.title = title
    question_set.description = description
    session.flush()
    return get_set(session, set_id)


def delete_set(session: Session, set_id: str) -> None:
    question_set = get_or_404(session, QuestionSet, set_id, "question set")
    in_set = select(Question.id).where(Question.question_set_id == set_id)
    _refuse_if_answered(session, in_set, "Candidates have answered questions of this set.")
    delete_or_conflict(
        session, question_set, "Exams use questions of this set; remove them from the exams first."
    )


def get_question(session: Session, question_id: str) -> Question:
    return get_or_404(session, Question, question_id, "question")


def add_questions(
    session: Session, set_id: str, items: Sequence[QuestionData], *, list_loc: Loc | None = None
) -> list[Question]:
    """Add questions to a set in order; all are checked before any is stored.

    ``list_loc`` is where the list sits in the request body (errors then name the item);
    without it the body is the one question.
    """
    get_or_404(session, QuestionSet, set_id, "question set")
    errors: list[dict[str, Any]] = []
    ready: list[QuestionData] = []
    for i, item in enumerate(items):
        where: Loc = ("body",) if list_loc is None else (*list_loc, i)
        try:
            ready.append(checked(item, where))
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid("Some questions are not valid.", errors=errors)
    rows = [_new_question(set_id, item) for item in ready]
    session.add_all(rows)
    session.flush()
    return rows


def update_question(session: Session, question_id: str, data: QuestionData) -> Question:
    question = get_question(session, question_id)
    data = checked(data)
    question.type = data.type
    question.stem = data.stem
    question.options = [dict(o) for o in data.options]
    question.key = list(data.key)
    question.points_units = data.points_units
    question.penalty_units = data.penalty_units
    question.explanation = data.explanation
    bump_exam_versions(session, [question_id])
    session.flush()
    return question


def delete_question(session: Session, question_id: str) -> None:
    question = get_question(session, question_id)
    only = select(Question.id).where(Question.id == question_id)
    _refuse_if_answered(session, only, "Candidates have answered this question.")
    delete_or_conflict(session, question, "Exams use this question; remove it from them first.")


def _refuse_if_answered(session: Session, question_ids: Select[str], why: str) -> None:
    """Answers keep the questions they answer (attempt_questions has no foreign key to
    questions, for ingest speed, so the rule is kept here)."""
    answered = select(AttemptQuestion.question_id).where(
        AttemptQuestion.question_id.in_(question_ids)
    )
    if session.scalar(answered.limit(1)) is not None:
        raise Conflict(f"{why} Results need it, so it cannot be deleted.")


def bump_exam_versions(session: Session, question_ids: Sequence[str]) -> None:
    """Every exam using one of these questions gets a new version."""
    using = select(ExamQuestion.exam_id).where(ExamQuestion.question_id.in_(question_ids))
    session.execute(
        update(Exam).where(Exam.id.in_(using)).values(version=Exam.version + 1),
        execution_options={"synchronize_session": "fetch"},
    )


def _new_question(set_id: str, data: QuestionData) -> Question:
    return Question(
        question_set_id=set_id,
        type=data.type,
        stem=data.stem,
        options=[dict(o) for o in data.options],
        key=list(data.key),
        points_units=data.points_units,
        penalty_units=data.penalty_units,
        explanation=data.explanation,
    )
