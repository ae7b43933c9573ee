"""Wire models for question sets, questions, exams, the exam import and media.

Points, penalties and pass marks are JSON numbers here and exact integer units inside
(``services.points``).
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, PlainValidator, WithJsonSchema

from medxam_server.api.common import Id, LongText, Name
from medxam_server.api.schemas import RequestModel, ResponseModel

Label = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,8}$")]
Points = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
MediaName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")]
ContentType = Annotated[str, Field(pattern=r"^image/[a-z0-9.+-]{1,80}$")]
QuestionType = Literal["single", "multiple", "true_false"]


def _strict_base64(value: object) -> bytes:
    if not isinstance(value, str):
        raise ValueError("must be a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ValueError("not valid base64") from exc


Base64Data = Annotated[
    bytes,
    PlainValidator(_strict_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]


class OptionIn(RequestModel):
    label: Label
    text: Annotated[str, Field(min_length=1, max_length=10_000)]


class Option(ResponseModel):
    label: str
    text: str


class QuestionIn(RequestModel):
    type: QuestionType
    stem: Annotated[str, Field(min_length=1, max_length=100_000)]
    options: list[OptionIn] = Field(default_factory=list, max_length=26)
    key: list[Label] = Field(max_length=26)
    points: Points = 1
    penalty: Points = 0
    explanation: LongText | None = None


class QuestionOut(ResponseModel):
    id: str
    question_set_id: str
    type: QuestionType
    stem: str
    options: list[Option]
    key: list[str]
    points: float
    penalty: float
    explanation: str | None
    created_at: datetime
    updated_at: datetime


class QuestionSetIn(RequestModel):
    title: Name
    description: LongText = ""


class QuestionSetOut(ResponseModel):
    id: str
    title: str
    description: str
    question_count: int
    created_at: datetime
    updated_at: datetime


class QuestionSetDetail(QuestionSetOut):
    questions: list[QuestionOut]


class ExamIn(RequestModel):
    title: Name
    description: LongText = ""
    duration_minutes: Annotated[int, Field(ge=1, le=24 * 60)]
    pass_score: Points
    question_ids: list[Id] = Field(default_factory=list, max_length=5000)
    shuffle_questions: bool = False
    shuffle_options: bool = False


class ExamOut(ResponseModel):
    id: str
    title: str
    description: str
    duration_minutes: int
    pass_score: float
    max_score: float
    question_ids: list[str]
    shuffle_questions: bool
    shuffle_options: bool
    version: int
    media: list[str]
    created_at: datetime
    updated_at: datetime


class MediaIn(RequestModel):
    name: MediaName
    content_type: ContentType
    data: Base64Data


class ExamImportIn(RequestModel):
    title: Name
    description: LongText = ""
    duration_minutes: Annotated[int, Field(ge=1, le=24 * 60)]
    pass_score: Points
    shuffle_questions: bool = False
    shuffle_options: bool = False
    questions: list[QuestionIn] = Field(min_length=1, max_length=5000)
    media: list[MediaIn] = Field(default_factory=list, max_length=500)


class ExamImportOut(ResponseModel):
    exam_id: str
    question_set_id: str
    question_ids: list[str]


class MediaOut(ResponseModel):
    name: str
    content_type: str
    size: int
    sha256: str
