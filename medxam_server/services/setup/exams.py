"""Exams: an ordered list of questions with a duration and a pass mark, plus media.

Every change to an exam (fields, question list, media) bumps ``exams.version``; offline
packages are built once per delivery and exam version.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Exam, ExamMedia, ExamQuestion, Question, QuestionSet
from medxam_server.services.common import delete_or_conflict, get_or_404, paginate
from medxam_server.services.errors import Conflict, Invalid, NotFound
from medxam_server.services.setup import media_check
from medxam_server.services.setup.questions import QuestionData, add_questions

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExamData:
    title: str
    duration_minutes: int
    pass_score_units: int
    question_ids: Sequence[str] = ()
    description: str = ""
    shuffle_questions: bool = False
    shuffle_options: bool = False


@dataclass(frozen=True, slots=True)
class MediaData:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ExamView:
    exam: Exam
    question_ids: list[str]
    max_score_units: int
    media: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportResult:
    exam_id: str
    question_set_id: str
    question_ids: list[str]


def list_exams(session: Session, *, page: int, per_page: int) -> tuple[list[ExamView], int]:
    statement = select(Exam).order_by(Exam.title, Exam.id)
    rows, total = paginate(session, statement, page=page, per_page=per_page)
    return [view(session, exam) for exam in rows], total


def get_exam(session: Session, exam_id: str) -> ExamView:
    return view(session, get_or_404(session, Exam, exam_id, "exam"))


def create_exam(session: Session, data: ExamData) -> ExamView:
    question_ids = _checked_question_ids(session, data.question_ids)
    exam = Exam(version=1)
    _apply(exam, data)
    session.add(exam)
    session.flush()
    _set_questions(session, exam.id, question_ids)
    return view(session, exam)


def update_exam(session: Session, exam_id: str, data: ExamData) -> ExamView:
    exam = get_or_404(session, Exam, exam_id, "exam")
    question_ids = _checked_question_ids(session, data.question_ids)
    if question_ids != _question_ids(session, exam_id):
        if session.scalar(select(Attempt.id).where(Attempt.exam_id == exam_id).limit(1)):
            raise Conflict("This exam has attempts; its questions can no longer change.")
        _set_questions(session, exam_id, question_ids)
    _apply(exam, data)
    exam.version += 1
    session.flush()
    return view(session, exam)


def delete_exam(session: Session, exam_id: str) -> None:
    exam = get_or_404(session, Exam, exam_id, "exam")
    delete_or_conflict(session, exam, "Deliveries or attempts use this exam; delete them first.")


def import_exam(
    session: Session, data: ExamData, questions: Sequence[QuestionData], media: Sequence[MediaData]
) -> ImportResult:
    """A question set, its questions and an exam using them in the given order, or nothing."""
    media_check.check_media(
        [(m.name, m.content_type, m.data) for m in media], loc=("body", "media")
    )
    question_set = QuestionSet(title=data.title, description=data.description)
    session.add(question_set)
    session.flush()
    rows = add_questions(session, question_set.id, questions, list_loc=("body", "questions"))
    question_ids = [row.id for row in rows]
    names = [item.name for item in media]
    if len(set(names)) != len(names):
        raise Invalid(
            "Media names must be unique.",
            errors=[{"loc": ["body", "media"], "msg": "repeated name"}],
        )
    exam = Exam(version=1)
    _apply(exam, data)
    session.add(exam)
    session.flush()
    _set_questions(session, exam.id, question_ids)
    session.add_all(
        ExamMedia(exam_id=exam.id, name=m.name, content_type=m.content_type, data=m.data)
        for m in media
    )
    session.flush()
    log.info("exam %s imported: %d questions, %d media", exam.id, len(question_ids), len(media))
    return ImportResult(exam.id, question_set.id, question_ids)


def put_media(session: Session, exam_id: str, item: MediaData) -> ExamMedia:
    """Add or replace one media file of an exam."""
    exam = get_or_404(session, Exam, exam_id, "exam")
    media_check.check_media(
        [(item.name, item.content_type, item.data)], loc=("body",), listed=False
    )
    row = session.scalar(
        select(ExamMedia).where(ExamMedia.exam_id == exam_id, ExamMedia.name == item.name)
    )
    if row is None:
        row = ExamMedia(exam_id=exam_id, name=item.name)
        session.add(row)
    row.content_type = item.content_type
    row.data = item.data
    exam.version += 1
    session.flush()
    return row


def list_media(session: Session, exam_id: str) -> list[ExamMedia]:
    get_or_404(session, Exam, exam_id, "exam")
    return list(
        session.scalars(
            select(ExamMedia).where(ExamMedia.exam_id == exam_id).order_by(ExamMedia.name)
        )
    )


def delete_media(session: Session, exam_id: str, name: str) -> None:
    exam = get_or_404(session, Exam, exam_id, "exam")
    row = session.scalar(
        select(ExamMedia).where(ExamMedia.exam_id == exam_id, ExamMedia.name == name)
    )
    if row is None:
        raise NotFound(f"Exam {exam_id} has no media named {name!r}.")
    session.delete(row)
    exam.version += 1
    session.flush()


def view(session: Session, exam: Exam) -> ExamView:
    max_units = session.scalar(
        select(func.coalesce(func.sum(Question.points_units), 0))
        .join(ExamQuestion, ExamQuestion.question_id == Question.id)
        .where(ExamQuestion.exam_id == exam.id)
    )
    media = session.scalars(
        select(ExamMedia.name).where(ExamMedia.exam_id == exam.id).order_by(ExamMedia.name)
    )
    return ExamView(exam, _question_ids(session, exam.id), int(max_units or 0), list(media))


def _apply(exam: Exam, data: ExamData) -> None:
    exam.title = data.title
    exam.description = data.description
    exam.duration_minutes = data.duration_minutes
    exam.pass_score_units = data.pass_score_units
    exam.shuffle_questions = data.shuffle_questions
    exam.shuffle_options = data.shuffle_options


def _question_ids(session: Session, exam_id: str) -> list[str]:
    return list(
        session.scalars(
            select(ExamQuestion.question_id)
            .where(ExamQuestion.exam_id == exam_id)
            .order_by(ExamQuestion.position)
        )
    )


def _checked_question_ids(session: Session, question_ids: Sequence[str]) -> list[str]:
    ids = list(question_ids)
    known = set(session.scalars(select(Question.id).where(Question.id.in_(ids)))) if ids else set()
    errors = [
        {"loc": ["body", "question_ids", i], "msg": f"there is no question with id {qid}"}
        for i, qid in enumerate(ids)
        if qid not in known
    ] + [
        {"loc": ["body", "question_ids", i], "msg": "repeated in this exam"}
        for i, qid in enumerate(ids)
        if qid in ids[:i]
    ]
    if errors:
        raise Invalid("The question list is not valid.", errors=errors)
    return ids


def _set_questions(session: Session, exam_id: str, question_ids: Sequence[str]) -> None:
    session.execute(delete(ExamQuestion).where(ExamQuestion.exam_id == exam_id))
    if question_ids:
        session.execute(
            insert(ExamQuestion),
            [
                {"exam_id": exam_id, "position": i, "question_id": qid}
                for i, qid in enumerate(question_ids, start=1)
            ],
        )
