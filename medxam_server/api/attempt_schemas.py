"""Wire models of the attempt endpoints (API.md "Attempts and answers"), and the functions
that shape the attempts service's views into them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from medxam_server.api.schemas import RequestModel
from medxam_server.api.times import ApiTime
from medxam_server.rules.points import from_units
from medxam_server.services.attempts.views import AnswerView, AttemptDetails, AttemptView


class AttemptOut(BaseModel):
    id: str
    delivery_id: str
    exam_id: str
    taker_id: str
    workstation_id: str | None
    status: Literal["in_progress", "finished", "terminated"]
    started_at: datetime
    finished_at: datetime | None
    # The six score fields are null for proctors (admins only: issue 13, finding 2).
    score: float | None = Field(description="Points earned; null until scored (finished)")
    penalty: float | None = Field(description="Points lost to wrong answers")
    total: float | None = Field(description="score - penalty")
    max_score: float | None = Field(description="The exam's points; null for proctors")
    percent: float | None = Field(description="total / max_score * 100, 2 decimals")
    passed: bool | None = Field(description="total >= the exam's pass_score")
    score_source: Literal["auto", "manual"]
    created_by: str
    created_at: datetime
    updated_at: datetime
    integrity: Literal["complete", "incomplete", "unverified"]
    receipt_code: str | None = Field(
        description="XXXX-XXXX as the batch sync returned it for the attempt's finish; null "
        "without one, and always null for proctors (admins only)"
    )


class TakerBrief(BaseModel):
    id: str
    candidate_number: str
    full_name: str
    email: str | None


class ExamBrief(BaseModel):
    id: str
    title: str
    description: str
    duration_minutes: int
    pass_score: float
    question_count: int
    version: int


class DeliveryBrief(BaseModel):
    id: str
    title: str
    exam_id: str
    group_id: str
    opens_at: datetime
    closes_at: datetime
    location: str | None


class AttemptDetailsOut(AttemptOut):
    taker: TakerBrief
    exam: ExamBrief
    delivery: DeliveryBrief


class StartIn(RequestModel):
    delivery_id: UUID
    taker_id: UUID
    id: UUID | None = Field(default=None, description="chosen by an offline client")
    workstation_id: UUID | None = None
    started_at: ApiTime | None = None


class FinishIn(RequestModel):
    finished_at: ApiTime | None = None


class AnswerIn(RequestModel):
    question_id: UUID
    answer: list[str] = Field(max_length=26, description="chosen option labels; [] clears")
    time_spent_ms: int = Field(ge=0, le=2**53)
    answered_at: ApiTime
    flagged: bool = False


class AnswerOut(BaseModel):
    question_id: str
    position: int
    answer: list[str]
    time_spent_ms: int
    answered_at: datetime | None
    flagged: bool
    is_correct: bool | None = Field(description="admins only; null for proctors")
    points_awarded: float | None = Field(
        description="admins only (points, or minus the penalty); null for proctors"
    )


class ScoreIn(RequestModel):
    score: float | None = Field(default=None, ge=0, le=1e9)
    penalty: float | None = Field(default=None, ge=0, le=1e9)
    reason: str = Field(min_length=1, max_length=2000)


def attempt_out(view: AttemptView) -> AttemptOut:
    return AttemptOut.model_validate(view, from_attributes=True)


def details_out(details: AttemptDetails) -> AttemptDetailsOut:
    """The attempt's fields, then its taker, exam and delivery (never the start code)."""
    fields: dict[str, Any] = {
        name: getattr(details.attempt, name) for name in AttemptOut.model_fields
    }
    taker, exam, delivery = details.taker, details.exam, details.delivery
    return AttemptDetailsOut.model_validate(
        {
            **fields,
            "taker": TakerBrief(
                id=taker.id,
                candidate_number=taker.candidate_number,
                full_name=taker.full_name,
                email=taker.email,
            ),
            "exam": ExamBrief(
                id=exam.id,
                title=exam.title,
                description=exam.description,
                duration_minutes=exam.duration_minutes,
                pass_score=from_units(exam.pass_score_units),
                question_count=details.question_count,
                version=exam.version,
            ),
            "delivery": DeliveryBrief(
                id=delivery.id,
                title=delivery.title,
                exam_id=delivery.exam_id,
                group_id=delivery.group_id,
                opens_at=delivery.opens_at,
                closes_at=delivery.closes_at,
                location=delivery.location,
            ),
        }
    )


def answer_out(view: AnswerView) -> AnswerOut:
    return AnswerOut.model_validate(view, from_attributes=True)
