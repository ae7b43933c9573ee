"""``/api/deliveries``: scheduled sittings, their start codes, and the offline package."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response
from pydantic import Field

from medxam_server.api.common import Id, Name, PageDep, problems
from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep
from medxam_server.api.times import ApiTime
from medxam_server.schemas import Page, RequestModel, ResponseModel
from medxam_server.services import deliveries, packages
from medxam_server.services.deliveries import DeliveryData

router = APIRouter(prefix="/deliveries", tags=["deliveries"])


class DeliveryIn(RequestModel):
    exam_id: Id
    group_id: Id
    title: Name
    opens_at: ApiTime
    closes_at: ApiTime
    location: Annotated[str, Field(max_length=200)] | None = None


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
    _user: ProctorDep,
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
    )
    return Page(
        items=[DeliveryOut.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", status_code=201, response_model=DeliveryOut)
def create_delivery(body: DeliveryIn, session: SessionDep, _admin: AdminDep) -> DeliveryOut:
    """Schedule a delivery; the server makes its start code."""
    return DeliveryOut.model_validate(deliveries.create_delivery(session, _data(body)))


@router.get("/{delivery_id}", response_model=DeliveryOut, responses=problems(404))
def get_delivery(delivery_id: UUID, session: SessionDep, _user: ProctorDep) -> DeliveryOut:
    return DeliveryOut.model_validate(deliveries.get_delivery(session, str(delivery_id)))


@router.put("/{delivery_id}", response_model=DeliveryOut, responses=problems(404, 409))
def update_delivery(
    delivery_id: UUID, body: DeliveryIn, session: SessionDep, _admin: AdminDep
) -> DeliveryOut:
    """Replace the delivery's fields; the start code stays."""
    delivery = deliveries.update_delivery(session, str(delivery_id), _data(body))
    return DeliveryOut.model_validate(delivery)


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
    _user: ProctorDep,
    if_none_match: Annotated[str | None, Header(max_length=2000)] = None,
) -> Response:
    """The encrypted offline package, built once per delivery and exam version."""
    answer = packages.get_package(session, str(delivery_id), if_none_match=if_none_match)
    headers = {"ETag": answer.etag, "Cache-Control": "private, no-cache"}
    if answer.body is None:
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type="application/json", headers=headers)
