"""``/api/workstations``: registering the key that signs a workstation's USB bundles."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from medxam_server.api.deps import ProctorDep, SessionDep
from medxam_server.api.sync_schemas import KeyIn, KeyOut
from medxam_server.services import workstations

router = APIRouter(prefix="/workstations", tags=["sync"])


@router.put(
    "/{workstation_id}/key",
    response_model=KeyOut,
    responses={409: {"description": "A different key is already registered"}},
)
def register_key(
    body: KeyIn, session: SessionDep, _user: ProctorDep, workstation_id: UUID
) -> dict[str, Any]:
    return workstations.register_key(session, str(workstation_id), body.public_key)
