"""``/api/takers``: candidates, one by one or in bulk (admin; reading: proctors too)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from medxam_server.api.common import PageDep, problems
from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.people_schemas import TakerIn, TakerOut, TakersBulkIn, TakersBulkOut
from medxam_server.api.schemas import Page
from medxam_server.services.setup import takers
from medxam_server.services.setup.takers import TakerData

router = APIRouter(prefix="/takers", tags=["takers"])


def _data(body: TakerIn) -> TakerData:
    return TakerData(
        candidate_number=body.candidate_number,
        full_name=body.full_name,
        email=body.email,
        group_ids=body.group_ids,
    )


@router.get("", response_model=Page[TakerOut])
def list_takers(
    session: SessionDep,
    _user: ProctorDep,
    paging: PageDep,
    group_id: Annotated[UUID | None, Query()] = None,
) -> Page[TakerOut]:
    rows, total = takers.list_takers(
        session,
        page=paging.page,
        per_page=paging.per_page,
        group_id=str(group_id) if group_id else None,
    )
    return Page(
        items=[TakerOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", status_code=201, response_model=TakerOut, responses=problems(409))
def create_taker(body: TakerIn, session: SessionDep, _admin: AdminDep) -> TakerOut:
    [created] = takers.create_takers(session, [_data(body)], single=True)
    return TakerOut.model_validate(created)


@router.post("/bulk", status_code=201, response_model=TakersBulkOut, responses=problems(409))
def create_takers_in_bulk(
    body: TakersBulkIn, session: SessionDep, _admin: AdminDep
) -> TakersBulkOut:
    """Create every taker of the list, or none of them."""
    created = takers.create_takers(session, [_data(item) for item in body.items])
    return TakersBulkOut(items=[TakerOut.model_validate(t) for t in created])


@router.get("/{taker_id}", response_model=TakerOut, responses=problems(404))
def get_taker(taker_id: UUID, session: SessionDep, _user: ProctorDep) -> TakerOut:
    return TakerOut.model_validate(takers.get_taker(session, str(taker_id)))


@router.put("/{taker_id}", response_model=TakerOut, responses=problems(404, 409))
def update_taker(taker_id: UUID, body: TakerIn, session: SessionDep, _admin: AdminDep) -> TakerOut:
    """Replace the taker's fields; ``group_ids`` left out keeps the memberships."""
    return TakerOut.model_validate(takers.update_taker(session, str(taker_id), _data(body)))


@router.delete(
    "/{taker_id}", status_code=204, response_class=Response, responses=problems(404, 409)
)
def delete_taker(taker_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    takers.delete_taker(session, str(taker_id))
    return Response(status_code=204)
