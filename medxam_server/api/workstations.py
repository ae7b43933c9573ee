"""Workstation custody: the key that signs a workstation's pushes and USB bundles, and the
recorded handovers of a workstation or an attempt (docs/api.md, Security model).

One router without a prefix, so ``main.py`` includes it as before.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel, Field

from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.schemas import RequestModel
from medxam_server.api.sync_schemas import KeyIn, KeyOut
from medxam_server.models import WorkstationEvent
from medxam_server.services.setup import workstations
from medxam_server.services.sync import handovers

router = APIRouter(tags=["sync"])


class AttemptHandoverIn(RequestModel):
    to_workstation_id: UUID
    reason: str = Field(min_length=1, max_length=2000)


class OwnerIn(RequestModel):
    user_id: UUID
    reason: str = Field(min_length=1, max_length=2000)


class HandoverOut(BaseModel):
    id: int
    kind: str  # attempt_handover | owner_changed
    workstation_id: str
    attempt_id: str | None
    from_: str | None = Field(alias="from")
    to: str | None
    reason: str
    by: str
    at: datetime


@router.put(
    "/workstations/{workstation_id}/key",
    response_model=KeyOut,
    responses={
        403: {"description": "The workstation belongs to another user"},
        409: {"description": "A different key is already registered (an admin may replace it)"},
    },
)
def register_key(
    body: KeyIn, session: SessionDep, user: ProctorDep, workstation_id: UUID
) -> KeyOut:
    key = workstations.register_key(
        session,
        str(workstation_id),
        body.public_key,
        user_id=user.id,
        admin=user.role == "admin",
    )
    return KeyOut(
        workstation_id=key.workstation_id,
        public_key=key.public_key,
        registered_at=key.registered_at,
    )


@router.put(
    "/workstations/{workstation_id}/owner",
    response_model=HandoverOut,
    responses={404: {"description": "The workstation is unknown"}},
)
def hand_over_workstation(
    body: OwnerIn, session: SessionDep, user: AdminDep, workstation_id: UUID
) -> HandoverOut:
    """Hand a workstation without a key to another proctor (recorded)."""
    event = handovers.hand_over_workstation(
        session, str(workstation_id), user_id=str(body.user_id), reason=body.reason, by=user.id
    )
    return _handover_out(event)


@router.post(
    "/attempts/{attempt_id}/handover",
    response_model=HandoverOut,
    responses={404: {"description": "The attempt is unknown"}, 409: {"description": "No move"}},
)
def hand_over_attempt(
    body: AttemptHandoverIn, session: SessionDep, user: AdminDep, attempt_id: UUID
) -> HandoverOut:
    """Move an attempt to another workstation (recorded); the old one's records are refused."""
    event = handovers.hand_over_attempt(
        session,
        str(attempt_id),
        to_workstation_id=str(body.to_workstation_id),
        reason=body.reason,
        by=user.id,
    )
    return _handover_out(event)


def _handover_out(event: WorkstationEvent) -> HandoverOut:
    return HandoverOut.model_validate(
        {
            "id": event.id,
            "kind": event.kind,
            "workstation_id": event.workstation_id,
            "attempt_id": event.attempt_id,
            "from": event.old_value,
            "to": event.new_value,
            "reason": event.reason,
            "by": event.by_user_id,
            "at": event.at,
        }
    )
