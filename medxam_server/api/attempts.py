"""``/api/attempts``: endpoints 1-8 of the MedXam backend specification.

Proctors see only the attempts of deliveries they are assigned to (others answer 404)
and never a score: ``score``, ``penalty``, ``total``, ``max_score``, ``percent`` and
``passed`` are null for them (issue 13, findings 2 and 10; docs/api.md "Security model"),
and so is ``receipt_code`` (admins only, issue 12).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response
from sqlalchemy import select

from medxam_server.api.attempt_schemas import (
    AnswerIn,
    AnswerOut,
    AttemptDetailsOut,
    AttemptOut,
    FinishIn,
    ScoreIn,
    StartIn,
    answer_out,
    attempt_out,
    details_out,
)
from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.schemas import Page
from medxam_server.models import Attempt, AttemptQuestion, User
from medxam_server.services.attempts import lifecycle, views
from medxam_server.services.attempts.exam_questions import load_exam_questions

router = APIRouter(prefix="/attempts", tags=["attempts"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such attempt"}}


def _admin(user: User) -> bool:
    return user.role == "admin"


def _visible(session: SessionDep, user: User, attempt_id: UUID | str) -> None:
    """404 unless ``user`` may see the attempt (its delivery assigned, or an admin)."""
    lifecycle.get_attempt(session, str(attempt_id), viewer=user)


def _view(session: SessionDep, user: User, attempt: Attempt) -> AttemptOut:
    return attempt_out(views.attempt_views(session, [attempt], with_scores=_admin(user))[0])


def _one(session: SessionDep, user: User, attempt_id: UUID) -> AttemptOut:
    attempt = lifecycle.get_attempt(session, str(attempt_id), viewer=user)
    return _view(session, user, attempt)


@router.get("", response_model=Page[AttemptOut])
def list_attempts(
    session: SessionDep,
    user: ProctorDep,
    taker_id: UUID | None = None,
    delivery_id: UUID | None = None,
    exam_id: UUID | None = None,
    completed: bool | None = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[AttemptOut]:
    where = lifecycle.AttemptFilter(
        taker_id=str(taker_id) if taker_id else None,
        delivery_id=str(delivery_id) if delivery_id else None,
        exam_id=str(exam_id) if exam_id else None,
        completed=completed,
        viewer=user,
    )
    items, total = lifecycle.list_attempts(session, where=where, page=page, per_page=per_page)
    return Page(
        items=[
            attempt_out(v) for v in views.attempt_views(session, items, with_scores=_admin(user))
        ],
        total=total,
        page=page,
        per_page=per_page,
    )


@router.get("/{attempt_id}", response_model=AttemptOut, responses=NOT_FOUND)
def get_attempt(session: SessionDep, user: ProctorDep, attempt_id: UUID) -> AttemptOut:
    return _one(session, user, attempt_id)


@router.get("/{attempt_id}/details", response_model=AttemptDetailsOut, responses=NOT_FOUND)
def get_attempt_details(
    session: SessionDep, user: ProctorDep, attempt_id: UUID
) -> AttemptDetailsOut:
    attempt = lifecycle.get_attempt(session, str(attempt_id), viewer=user)
    return details_out(views.details_view(session, attempt, with_scores=_admin(user)))


@router.post(
    "/start",
    response_model=AttemptOut,
    status_code=201,
    responses={
        200: {"description": "The same start again: the existing attempt", "model": AttemptOut},
        409: {
            "description": "The id exists with different content; the taker already has an "
            'attempt in the delivery (its id in the problem body as "attempt_id"); or the '
            "delivery is not open now"
        },
    },
)
def start_attempt(
    body: StartIn, session: SessionDep, user: ProctorDep, response: Response
) -> AttemptOut:
    attempt, created = lifecycle.start_attempt(
        session,
        user=user,
        delivery_id=str(body.delivery_id),
        taker_id=str(body.taker_id),
        attempt_id=str(body.id) if body.id else None,
        workstation_id=str(body.workstation_id) if body.workstation_id else None,
        started_at=body.started_at,
    )
    response.status_code = 201 if created else 200
    session.flush()
    return _view(session, user, attempt)


@router.post(
    "/{attempt_id}/finish",
    response_model=AttemptOut,
    responses={**NOT_FOUND, 409: {"description": "The attempt was terminated"}},
)
def finish_attempt(
    session: SessionDep, user: ProctorDep, attempt_id: UUID, body: FinishIn | None = None
) -> AttemptOut:
    _visible(session, user, attempt_id)
    finished_at = body.finished_at if body else None
    attempt = lifecycle.finish_attempt(session, str(attempt_id), finished_at=finished_at)
    session.flush()
    return _view(session, user, attempt)


@router.post(
    "/{attempt_id}/answer",
    response_model=AnswerOut,
    responses={
        **NOT_FOUND,
        409: {"description": "The attempt has ended, or the delivery's answer time is over"},
    },
)
def save_answer(
    body: AnswerIn, session: SessionDep, user: ProctorDep, attempt_id: UUID
) -> AnswerOut:
    _visible(session, user, attempt_id)
    row = lifecycle.save_answer(
        session,
        str(attempt_id),
        question_id=str(body.question_id),
        answer=body.answer,
        time_spent_ms=body.time_spent_ms,
        answered_at=body.answered_at,
        flagged=body.flagged,
    )
    return _answers(session, [row], row.attempt_id, admin=_admin(user))[0]


@router.get("/{attempt_id}/answers", response_model=list[AnswerOut], responses=NOT_FOUND)
def list_answers(session: SessionDep, user: ProctorDep, attempt_id: UUID) -> list[AnswerOut]:
    attempt = lifecycle.get_attempt(session, str(attempt_id), viewer=user)
    rows = list(
        session.scalars(select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id))
    )
    return _answers(session, rows, attempt.id, admin=_admin(user))


def _answers(
    session: SessionDep, rows: list[AttemptQuestion], attempt_id: str, *, admin: bool
) -> list[AnswerOut]:
    attempt = lifecycle.get_attempt(session, attempt_id)
    questions = load_exam_questions(session, attempt.exam_id) if admin else {}
    return [answer_out(v) for v in views.answer_views(rows, questions, with_grading=admin)]


@router.put(
    "/{attempt_id}/score",
    response_model=AttemptOut,
    responses={**NOT_FOUND, 409: {"description": "The attempt is still in progress"}},
)
def update_score(
    body: ScoreIn, session: SessionDep, user: AdminDep, attempt_id: UUID
) -> AttemptOut:
    attempt = lifecycle.update_score(
        session,
        str(attempt_id),
        user_id=user.id,
        score=body.score,
        penalty=body.penalty,
        reason=body.reason,
    )
    session.flush()
    return _view(session, user, attempt)
