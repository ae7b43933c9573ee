"""``/api/deliveries``: scheduled sittings, their start codes, and the offline package."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from medxam_server.api.common import Id, Name, PageDep, problems
from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.schemas import Page, RequestModel, ResponseModel
from medxam_server.api.times import ApiTime
from medxam_server.services import packages
from medxam_server.services.setup import deliveries, delivery_proctors
from medxam_server.services.setup.deliveries import DeliveryData

router = APIRouter(prefix="/deliveries", tags=["deliveries"])


class DeliveryIn(RequestModel):
    exam_id: Id
    group_id: Id
    title: Name
    opens_at: ApiTime
    closes_at: ApiTime
    location: Annotated[str, Field(max_length=200)] | None = None
    # Replaces the delivery's proctors when given (PUT /api/deliveries/{id}/proctors).
    proctor_ids: Annotated[list[Id], Field(max_length=1000)] | None = None


class ProctorsIn(RequestModel):
    user_ids: Annotated[list[Id], Field(max_length=1000)]


class AssignedProctor(ResponseModel):
    user_id: str
    username: str
    full_name: str
    assigned_by: str | None
    assigned_at: datetime


class DeliveryOut(ResponseModel):
    id: str
    exam_id: str
    group_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    location: str | None
    start_code: str
    created_at: datetime
    updated_at: datetime


def _data(body: DeliveryIn) -> DeliveryData:
    return DeliveryData(
        exam_id=body.exam_id,
        group_id=body.group_id,
        title=body.title,
        opens_at=body.opens_at,
        closes_at=body.closes_at,
        location=body.location,
    )


@router.get("", response_model=Page[DeliveryOut])
def list_deliveries(
    session: SessionDep,
    user: ProctorDep,
    paging: PageDep,
    exam_id: Annotated[UUID | None, Query()] = None,
    group_id: Annotated[UUID | None, Query()] = None,
) -> Page[DeliveryOut]:
    rows, total = deliveries.list_deliveries(
        session,
        page=paging.page,
        per_page=paging.per_page,
        exam_id=str(exam_id) if exam_id else None,
        group_id=str(group_id) if group_id else None,
        viewer=user,
    )
    return Page(
        items=[DeliveryOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", status_code=201, response_model=DeliveryOut)
def create_delivery(body: DeliveryIn, session: SessionDep, admin: AdminDep) -> DeliveryOut:
    """Schedule a delivery; the server makes its start code. Only the proctors in
    ``proctor_ids`` (none if absent) see it."""
    delivery = deliveries.create_delivery(session, _data(body))
    _assign(session, delivery.id, body, admin.id)
    return DeliveryOut.model_validate(delivery)


def _assign(session: SessionDep, delivery_id: str, body: DeliveryIn, admin_id: str) -> None:
    if body.proctor_ids is not None:
        delivery_proctors.set_proctors(session, delivery_id, body.proctor_ids, assigned_by=admin_id)


@router.get("/{delivery_id}", response_model=DeliveryOut, responses=problems(404))
def get_delivery(delivery_id: UUID, session: SessionDep, user: ProctorDep) -> DeliveryOut:
    """404 also for a proctor not assigned to the delivery."""
    delivery = delivery_proctors.visible_delivery(session, user, str(delivery_id))
    return DeliveryOut.model_validate(delivery)


@router.put("/{delivery_id}", response_model=DeliveryOut, responses=problems(404, 409))
def update_delivery(
    delivery_id: UUID, body: DeliveryIn, session: SessionDep, admin: AdminDep
) -> DeliveryOut:
    """Replace the delivery's fields; the start code stays. ``proctor_ids``, when given,
    replaces its proctors; absent, they stay."""
    delivery = deliveries.update_delivery(session, str(delivery_id), _data(body))
    _assign(session, delivery.id, body, admin.id)
    return DeliveryOut.model_validate(delivery)


@router.get(
    "/{delivery_id}/proctors", response_model=list[AssignedProctor], responses=problems(404)
)
def get_proctors(delivery_id: UUID, session: SessionDep, _admin: AdminDep) -> list[AssignedProctor]:
    """The proctors assigned to the delivery (who may see it, its attempts and start code)."""
    rows = delivery_proctors.proctors_of(session, str(delivery_id))
    return [AssignedProctor.model_validate(r) for r in rows]


@router.put(
    "/{delivery_id}/proctors",
    response_model=list[AssignedProctor],
    responses=problems(404, 422),
)
def put_proctors(
    delivery_id: UUID, body: ProctorsIn, session: SessionDep, admin: AdminDep
) -> list[AssignedProctor]:
    """Replace the delivery's proctors with ``user_ids`` (users with role proctor)."""
    rows = delivery_proctors.set_proctors(
        session, str(delivery_id), body.user_ids, assigned_by=admin.id
    )
    return [AssignedProctor.model_validate(r) for r in rows]


@router.delete(
    "/{delivery_id}", status_code=204, response_class=Response, responses=problems(404, 409)
)
def delete_delivery(delivery_id: UUID, session: SessionDep, _admin: AdminDep) -> Response:
    deliveries.delete_delivery(session, str(delivery_id))
    return Response(status_code=204)


@router.get(
    "/{delivery_id}/package",
    response_class=Response,
    responses={
        200: {
            "description": "The offline package (see docs/api.md); ETag header set",
            "content": {"application/json": {"schema": {"type": "object"}}},
        },
        304: {"description": "Not modified: If-None-Match holds the current ETag"},
        **problems(404),
    },
)
def get_package(
    delivery_id: UUID,
    session: SessionDep,
    user: ProctorDep,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The encrypted offline package, built once per delivery and exam version (404 for a
    proctor not assigned to the delivery)."""
    delivery_proctors.visible_delivery(session, user, str(delivery_id))
    answer = packages.get_package(session, str(delivery_id), if_none_match=if_none_match)
    headers = {"ETag": answer.etag, "Cache-Control": "private, no-cache"}
    if answer.body is None:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)
