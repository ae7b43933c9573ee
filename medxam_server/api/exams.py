"""``/api/exams``: exams, the one-document import, and media files (admin only)."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response

from medxam_server.api.common import PageDep, problems
from medxam_server.api.content_schemas import (
    ExamImportIn,
    ExamImportOut,
    ExamIn,
    ExamOut,
    MediaOut,
)
from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.api.question_sets import question_data
from medxam_server.api.schemas import Page
from medxam_server.models import ExamMedia
from medxam_server.rules.points import from_units, to_units
from medxam_server.services.errors import ServiceError
from medxam_server.services.setup import exams
from medxam_server.services.setup.exams import ExamData, ExamView, MediaData

router = APIRouter(prefix="/exams", tags=["exams"])

MEDIA_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")  # never SVG (finding 8)
_IMAGE_TYPE = re.compile(r"^image/[a-z0-9.+-]{1,80}$")
MediaNamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]


class UnsupportedMediaType(ServiceError):
    status = 415
    title = "Unsupported media type"


def _exam_data(body: ExamIn | ExamImportIn, question_ids: list[str]) -> ExamData:
    return ExamData(
        title=body.title,
        description=body.description,
        duration_minutes=body.duration_minutes,
        pass_score_units=to_units(body.pass_score),
        question_ids=question_ids,
        shuffle_questions=body.shuffle_questions,
        shuffle_options=body.shuffle_options,
    )


def _exam_out(view: ExamView) -> ExamOut:
    exam = view.exam
    return ExamOut(
        id=exam.id,
        title=exam.title,
        description=exam.description,
        duration_minutes=exam.duration_minutes,
        pass_score=from_units(exam.pass_score_units),
        max_score=from_units(view.max_score_units),
        question_ids=view.question_ids,
        shuffle_questions=exam.shuffle_questions,
        shuffle_options=exam.shuffle_options,
        version=exam.version,
        media=view.media,
        created_at=exam.created_at,
        updated_at=exam.updated_at,
    )


def _media_out(row: ExamMedia) -> MediaOut:
    return MediaOut(
        name=row.name,
        content_type=row.content_type,
        size=len(row.data),
        sha256=hashlib.sha256(row.data).hexdigest(),
    )


@router.get("", response_model=Page[ExamOut])
def list_exams(session: SessionDep, _admin: AdminDep, paging: PageDep) -> Page[ExamOut]:
    rows, total = exams.list_exams(session, page=paging.page, per_page=paging.per_page)
    return Page(
        items=[_exam_out(v) for v in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("", status_code=201, response_model=ExamOut)
def create_exam(body: ExamIn, session: SessionDep, _admin: AdminDep) -> ExamOut:
    return _exam_out(exams.create_exam(session, _exam_data(body, body.question_ids)))


@router.post("/import", status_code=201, response_model=ExamImportOut)
def import_exam(body: ExamImportIn, session: SessionDep, _admin: AdminDep) -> ExamImportOut:
    """A question set, its questions and an exam from one document; all or nothing."""
    result = exams.import_exam(
        session,
        _exam_data(body, []),
        [question_data(q) for q in body.questions],
        [MediaData(name=m.name, content_type=m.content_type, data=m.data) for m in body.media],
    )
    return ExamImportOut(
        exam_id=result.exam_id,
        question_set_id=result.question_set_id,
        question_ids=result.question_ids,
    )


@router.get("/{exam_id}", response_model=ExamOut, responses=problems(404))
def get_exam(exam_id: UUID, session: SessionDep, _admin: AdminDep) -> ExamOut:
    return _exam_out(exams.get_exam(session, str(exam_id)))


@router.put("/{exam_id}", response_model=ExamOut, responses=problems(404, 409))
def update_exam(exam_id: UUID, body: ExamIn, session: SessionDep, _admin: AdminDep) -> ExamOut:
    """Replace the exam's fields and question list; the exam gets a new version."""
    view = exams.update_exam(session, str(exam_id), _exam_data(body, body.question_ids))
    return _exam_out(view)


@router.delete("/{exam_id}", status_code=204, response_class=Response, responses=problems(404, 409))
def delete_exam(exam_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    exams.delete_exam(session, str(exam_id))
    return Response(status_code=204)


@router.get("/{exam_id}/media", response_model=list[MediaOut], responses=problems(404))
def list_media(exam_id: UUID, session: SessionDep, _admin: AdminDep) -> list[MediaOut]:
    return [_media_out(row) for row in exams.list_media(session, str(exam_id))]


async def _upload(request: Request) -> MediaData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if not _IMAGE_TYPE.match(content_type):
        raise UnsupportedMediaType("Media must be sent as an image/* Content-Type.")
    name = request.path_params.get("name", "")
    return MediaData(name=name, content_type=content_type, data=await request.body())


_BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}


@router.put(
    "/{exam_id}/media/{name}",
    response_model=MediaOut,
    responses=problems(404, 415),
    openapi_extra={"requestBody": {"required": True, "content": {t: _BINARY for t in MEDIA_TYPES}}},
)
def put_media(
    _admin: AdminDep,
    exam_id: UUID,
    name: MediaNamePath,
    upload: Annotated[MediaData, Depends(_upload)],
    session: SessionDep,
) -> MediaOut:
    """Add or replace the exam's media file ``name`` (raw bytes, an image Content-Type).

    Stems refer to it as ``![](media:NAME)``; the exam gets a new version.
    """
    row = exams.put_media(session, str(exam_id), MediaData(name, upload.content_type, upload.data))
    return _media_out(row)


@router.delete(
    "/{exam_id}/media/{name}",
    status_code=204,
    response_class=Response,
    responses=problems(404),
)
def delete_media(
    exam_id: UUID, name: MediaNamePath, session: SessionDep, _admin: AdminDep
) -> Response:
    exams.delete_media(session, str(exam_id), name)
    return Response(status_code=204)
