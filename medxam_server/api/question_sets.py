"""``/api/question-sets`` and ``/api/questions``: question banks (admin only)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from medxam_server.api.common import PageDep, problems
from medxam_server.api.content_schemas import (
    Option,
    QuestionIn,
    QuestionOut,
    QuestionSetDetail,
    QuestionSetIn,
    QuestionSetOut,
)
from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.api.schemas import Page
from medxam_server.models import Question
from medxam_server.rules.points import from_units, to_units
from medxam_server.services.setup import questions
from medxam_server.services.setup.questions import QuestionData, QuestionSetView

router = APIRouter(tags=["questions"])


def question_data(body: QuestionIn) -> QuestionData:
    return QuestionData(
        type=body.type,
        stem=body.stem,
        options=[{"label": o.label, "text": o.text} for o in body.options],
        key=list(body.key),
        points_units=to_units(body.points),
        penalty_units=to_units(body.penalty),
        explanation=body.explanation,
    )


def question_out(question: Question) -> QuestionOut:
    return QuestionOut(
        id=question.id,
        question_set_id=question.question_set_id,
        type=question.type,
        stem=question.stem,
        options=[Option(label=o["label"], text=o["text"]) for o in question.options],
        key=list(question.key),
        points=from_units(question.points_units),
        penalty=from_units(question.penalty_units),
        explanation=question.explanation,
        created_at=question.created_at,
        updated_at=question.updated_at,
    )


def _set_out(view: QuestionSetView) -> QuestionSetOut:
    row = view.question_set
    return QuestionSetOut(
        id=row.id,
        title=row.title,
        description=row.description,
        question_count=view.question_count,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _set_detail(view: QuestionSetView) -> QuestionSetDetail:
    return QuestionSetDetail(
        **_set_out(view).model_dump(), questions=[question_out(q) for q in view.questions]
    )


@router.get("/question-sets", response_model=Page[QuestionSetOut])
def list_question_sets(
    session: SessionDep, _admin: AdminDep, paging: PageDep
) -> Page[QuestionSetOut]:
    rows, total = questions.list_sets(session, page=paging.page, per_page=paging.per_page)
    return Page(
        items=[_set_out(v) for v in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("/question-sets", status_code=201, response_model=QuestionSetDetail)
def create_question_set(
    body: QuestionSetIn, session: SessionDep, _admin: AdminDep
) -> QuestionSetDetail:
    row = questions.create_set(session, title=body.title, description=body.description)
    return _set_detail(QuestionSetView(row, 0))


@router.get("/question-sets/{set_id}", response_model=QuestionSetDetail, responses=problems(404))
def get_question_set(set_id: UUID, session: SessionDep, _admin: AdminDep) -> QuestionSetDetail:
    return _set_detail(questions.get_set(session, str(set_id)))


@router.put("/question-sets/{set_id}", response_model=QuestionSetDetail, responses=problems(404))
def update_question_set(
    set_id: UUID, body: QuestionSetIn, session: SessionDep, _admin: AdminDep
) -> QuestionSetDetail:
    view = questions.update_set(
        session, str(set_id), title=body.title, description=body.description
    )
    return _set_detail(view)


@router.delete(
    "/question-sets/{set_id}",
    status_code=204,
    response_class=Response,
    responses=problems(404, 409),
)
def delete_question_set(set_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    questions.delete_set(session, str(set_id))
    return Response(status_code=204)


@router.post(
    "/question-sets/{set_id}/questions",
    status_code=201,
    response_model=QuestionOut,
    responses=problems(404),
)
def add_question(
    set_id: UUID, body: QuestionIn, session: SessionDep, _admin: AdminDep
) -> QuestionOut:
    [row] = questions.add_questions(session, str(set_id), [question_data(body)])
    return question_out(row)


@router.get("/questions/{question_id}", response_model=QuestionOut, responses=problems(404))
def get_question(question_id: UUID, session: SessionDep, _admin: AdminDep) -> QuestionOut:
    return question_out(questions.get_question(session, str(question_id)))


@router.put("/questions/{question_id}", response_model=QuestionOut, responses=problems(404))
def update_question(
    question_id: UUID, body: QuestionIn, session: SessionDep, _admin: AdminDep
) -> QuestionOut:
    """Replace the question; every exam using it gets a new version."""
    return question_out(questions.update_question(session, str(question_id), question_data(body)))


@router.delete(
    "/questions/{question_id}",
    status_code=204,
    response_class=Response,
    responses=problems(404, 409),
)
def delete_question(question_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    questions.delete_question(session, str(question_id))
    return Response(status_code=204)
