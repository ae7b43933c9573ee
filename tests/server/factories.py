"""Small ORM factories for server tests: takers, groups, exams, deliveries, attempts.

They write straight through the models (no HTTP), so a test of one endpoint does not
depend on the setup endpoints. Every function takes a ``Session`` and returns ids.

    with transaction(app.state.session_factory) as session:
        setup = make_setup(session, questions=[single("B"), multiple("A", "C")], takers=3)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from medxam_server.models import (
    Attempt,
    Delivery,
    DeliveryProctor,
    Exam,
    ExamQuestion,
    Group,
    GroupMember,
    Question,
    QuestionSet,
    Taker,
    User,
    new_id,
)
from medxam_server.rules.points import to_units

_counter = itertools.count(1)
LABELS = "ABCDE"


def single(
    key: str = "A", *, options: int = 4, points: float = 1, penalty: float = 0
) -> dict[str, Any]:
    """A question spec for ``make_exam``: single best answer."""
    return {
        "type": "single",
        "options": options,
        "key": [key],
        "points": points,
        "penalty": penalty,
    }


def multiple(*key: str, options: int = 5, points: float = 1, penalty: float = 0) -> dict[str, Any]:
    return {
        "type": "multiple",
        "options": options,
        "key": list(key),
        "points": points,
        "penalty": penalty,
    }


def true_false(value: bool, *, points: float = 1, penalty: float = 0) -> dict[str, Any]:
    key = "A" if value else "B"
    return {"type": "true_false", "options": 2, "key": [key], "points": points, "penalty": penalty}


@dataclass(frozen=True)
class ExamIds:
    exam_id: str
    question_set_id: str
    question_ids: list[str]


@dataclass(frozen=True)
class Setup:
    """One delivery of one exam to one group of takers."""

    exam_id: str
    question_ids: list[str]
    group_id: str
    taker_ids: list[str]
    delivery_id: str
    start_code: str = "ABCD2345"
    extra: dict[str, Any] = field(default_factory=dict)


def make_taker(
    session: Session, *, full_name: str | None = None, candidate_number: str | None = None
) -> str:
    n = next(_counter)
    taker = Taker(
        candidate_number=candidate_number or f"C{n:06d}",
        full_name=full_name or f"Candidate {n}",
        email=None,
    )
    session.add(taker)
    session.flush()
    return taker.id


def make_group(session: Session, *, taker_ids: Sequence[str] = (), name: str | None = None) -> str:
    group = Group(name=name or f"Group {next(_counter)}", description="")
    session.add(group)
    session.flush()
    session.add_all(GroupMember(group_id=group.id, taker_id=t) for t in taker_ids)
    session.flush()
    return group.id


def make_exam(
    session: Session,
    *,
    questions: Sequence[dict[str, Any]] = (),
    pass_score: float = 0,
    duration_minutes: int = 60,
    title: str | None = None,
) -> ExamIds:
    """An exam with its questions in the given order (specs from ``single`` etc.)."""
    question_set = QuestionSet(title=f"Bank {next(_counter)}", description="")
    exam = Exam(
        title=title or f"Exam {next(_counter)}",
        description="",
        duration_minutes=duration_minutes,
        pass_score_units=to_units(pass_score),
        shuffle_questions=False,
        shuffle_options=False,
        version=1,
    )
    session.add_all([question_set, exam])
    session.flush()
    ids = []
    for position, spec in enumerate(questions, start=1):
        option_count = int(spec.get("options", 4))
        question = Question(
            question_set_id=question_set.id,
            type=spec.get("type", "single"),
            stem=spec.get("stem", f"Question {position}?"),
            options=[
                {"label": LABELS[i], "text": f"Option {LABELS[i]}"} for i in range(option_count)
            ],
            key=list(spec["key"]),
            points_units=to_units(spec.get("points", 1)),
            penalty_units=to_units(spec.get("penalty", 0)),
            explanation=spec.get("explanation"),
        )
        session.add(question)
        session.flush()
        session.add(ExamQuestion(exam_id=exam.id, position=position, question_id=question.id))
        ids.append(question.id)
    session.flush()
    return ExamIds(exam_id=exam.id, question_set_id=question_set.id, question_ids=ids)


def make_delivery(
    session: Session,
    *,
    exam_id: str,
    group_id: str,
    start_code: str = "ABCD2345",
    title: str | None = None,
    proctor_ids: Sequence[str] | None = None,
) -> str:
    """A delivery open from an hour ago for three hours. Its proctors are ``proctor_ids``,
    by default every proctor there is (``tests.server.conftest.make_user`` assigns a proctor
    made later to every delivery there is)."""
    now = datetime.now(UTC)
    delivery = Delivery(
        exam_id=exam_id,
        group_id=group_id,
        title=title or f"Delivery {next(_counter)}",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(hours=3),
        location="Room 1",
        start_code=start_code,
    )
    session.add(delivery)
    session.flush()
    assign_proctors(session, delivery.id, proctor_ids)
    return delivery.id


def assign_proctors(
    session: Session, delivery_id: str, proctor_ids: Sequence[str] | None = None
) -> None:
    """Assign proctors to a delivery (default: every user with role proctor)."""
    from sqlalchemy import select

    if proctor_ids is None:
        proctor_ids = session.scalars(select(User.id).where(User.role == "proctor")).all()
    session.add_all(DeliveryProctor(delivery_id=delivery_id, user_id=p) for p in proctor_ids)
    session.flush()


def make_setup(
    session: Session,
    *,
    questions: Sequence[dict[str, Any]] = (),
    takers: int = 1,
    pass_score: float = 0,
) -> Setup:
    """Exam + group of ``takers`` + delivery, the usual start of an attempt test."""
    exam = make_exam(session, questions=questions or [single("A")], pass_score=pass_score)
    taker_ids = [make_taker(session) for _ in range(takers)]
    group_id = make_group(session, taker_ids=taker_ids)
    delivery_id = make_delivery(session, exam_id=exam.exam_id, group_id=group_id)
    return Setup(
        exam_id=exam.exam_id,
        question_ids=exam.question_ids,
        group_id=group_id,
        taker_ids=taker_ids,
        delivery_id=delivery_id,
    )


def make_attempt(
    session: Session,
    *,
    setup: Setup,
    created_by: str,
    taker_index: int = 0,
    status: str = "in_progress",
    attempt_id: str | None = None,
) -> str:
    """An attempt row as the start endpoint makes it (no answers, not scored)."""
    from medxam_server.services.attempts.scoring import max_score_units

    attempt = Attempt(
        id=attempt_id or new_id(),
        delivery_id=setup.delivery_id,
        exam_id=setup.exam_id,
        taker_id=setup.taker_ids[taker_index],
        status=status,
        started_at=datetime.now(UTC),
        max_score_units=max_score_units(session, setup.exam_id),
        created_by=created_by,
    )
    session.add(attempt)
    session.flush()
    return attempt.id


def any_user_id(session: Session) -> str:
    """The id of some user (tests sign one in first)."""
    from sqlalchemy import select

    user_id = session.scalar(select(User.id).limit(1))
    assert user_id is not None, "sign a user in first"
    return user_id
