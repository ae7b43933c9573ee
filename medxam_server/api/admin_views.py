"""Admin views the desktop console reads: an attempt's events and score history, and a
delivery's sync completeness per workstation (docs/api.md "Admin views").

The services return frozen values whose fields carry the names below; each route checks
its value against its model (``from_attributes``) and FastAPI writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from medxam_server.api.common import problems
from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.services.attempts import history as attempt_history
from medxam_server.services.results import sync_status as delivery_sync_status

router = APIRouter(tags=["admin views"])

EventKind = Literal[
    "attempt.started",
    "attempt.paused",
    "attempt.resumed",
    "attempt.time_extended",
    "attempt.incident",
    "attempt.terminated",
    "attempt.finished",
    "score.overridden",
]
Points = str | None


class AttemptEvent(BaseModel):
    seq: int | None = Field(description="the workstation's seq; null when not from a record")
    kind: EventKind
    at: datetime
    received_at: datetime | None
    workstation_id: str | None
    by: str | None = Field(description="user id of whoever did it, when known")
    by_name: str | None
    question_id: str | None
    data: dict[str, Any]


class AttemptEvents(BaseModel):
    attempt_id: str
    events: list[AttemptEvent]


class ScoreChange(BaseModel):
    changed_at: datetime
    changed_by: str
    changed_by_name: str | None
    old_score: Points = Field(description="points as a decimal string")
    old_penalty: Points
    new_score: Points
    new_penalty: Points
    reason: str


class ScoreHistory(BaseModel):
    attempt_id: str
    items: list[ScoreChange] = Field(description="newest first")


class WorkstationSync(BaseModel):
    workstation_id: str | None = Field(description="null: attempts made online")
    attempts: int
    complete: int
    incomplete: int
    pending: int
    in_progress: int
    last_received_at: datetime | None
    high_water_mark: int | None


class DeliverySyncStatus(BaseModel):
    delivery_id: str
    attempts: int
    complete: int
    incomplete: int
    pending: int
    workstations: list[WorkstationSync]


@router.get("/attempts/{attempt_id}/events", response_model=AttemptEvents, responses=problems(404))
def attempt_events(attempt_id: UUID, session: SessionDep, _admin: AdminDep) -> AttemptEvents:
    """The attempt's lifecycle timeline, then its score overrides."""
    timeline = attempt_history.attempt_events(session, str(attempt_id))
    return AttemptEvents.model_validate(timeline, from_attributes=True)


@router.get(
    "/attempts/{attempt_id}/score-history", response_model=ScoreHistory, responses=problems(404)
)
def score_history(attempt_id: UUID, session: SessionDep, _admin: AdminDep) -> ScoreHistory:
    """Every manual score change of the attempt, newest first."""
    history = attempt_history.score_history(session, str(attempt_id))
    return ScoreHistory.model_validate(history, from_attributes=True)


@router.get(
    "/deliveries/{delivery_id}/sync-status",
    response_model=DeliverySyncStatus,
    responses=problems(404),
)
def sync_status(delivery_id: UUID, session: SessionDep, _admin: AdminDep) -> DeliverySyncStatus:
    """Attempts complete / incomplete / pending, in total and per workstation."""
    status = delivery_sync_status.delivery_sync_status(session, str(delivery_id))
    return DeliverySyncStatus.model_validate(status, from_attributes=True)
