"""``/api/groups``: groups of takers and their membership (admin; reading: proctors too)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from medxam_server.api.common import PageDep, problems
from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.people_schemas import (
    GroupIn,
    GroupOut,
    GroupTakersIn,
    GroupTakersOut,
    TakerBrief,
)
from medxam_server.api.schemas import Page
from medxam_server.services.setup import groups

router = APIRouter(prefix="/groups", tags=["groups"])


@router.get("", response_model=Page[GroupOut])
def list_groups(session: SessionDep, _user: ProctorDep, paging: PageDep) -> Page[GroupOut]:
    rows, total = groups.list_groups(session, page=paging.page, per_page=paging.per_page)
    return Page(
        items=[GroupOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", status_code=201, response_model=GroupOut, responses=problems(409))
def create_group(body: GroupIn, session: SessionDep, _admin: AdminDep) -> GroupOut:
    group = groups.create_group(session, name=body.name, description=body.description)
    return GroupOut.model_validate(group)


@router.get("/{group_id}", response_model=GroupOut, responses=problems(404))
def get_group(group_id: UUID, session: SessionDep, _user: ProctorDep) -> GroupOut:
    return GroupOut.model_validate(groups.get_group(session, str(group_id)))


@router.put("/{group_id}", response_model=GroupOut, responses=problems(404, 409))
def update_group(group_id: UUID, body: GroupIn, session: SessionDep, _admin: AdminDep) -> GroupOut:
    group = groups.update_group(
        session, str(group_id), name=body.name, description=body.description
    )
    return GroupOut.model_validate(group)


@router.delete(
    "/{group_id}", status_code=204, response_class=Response, responses=problems(404, 409)
)
def delete_group(group_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    groups.delete_group(session, str(group_id))
    return Response(status_code=204)


@router.get("/{group_id}/takers", response_model=Page[TakerBrief], responses=problems(404))
def list_group_takers(
    group_id: UUID, session: SessionDep, _user: ProctorDep, paging: PageDep
) -> Page[TakerBrief]:
    rows, total = groups.group_takers(
        session, str(group_id), page=paging.page, per_page=paging.per_page
    )
    return Page(
        items=[TakerBrief.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.put("/{group_id}/takers", response_model=GroupTakersOut, responses=problems(404))
def replace_group_takers(
    group_id: UUID, body: GroupTakersIn, session: SessionDep, _admin: AdminDep
) -> GroupTakersOut:
    taker_ids = groups.replace_group_takers(session, str(group_id), body.taker_ids)
    return GroupTakersOut(group_id=str(group_id), taker_ids=taker_ids)
