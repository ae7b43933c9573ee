"""Deliveries: one scheduled sitting of an exam by a group, with its start code."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Exam, Group, User
from medxam_server.services.common import delete_or_conflict, get_or_404, paginate
from medxam_server.services.errors import Conflict, Invalid
from medxam_server.services.setup import delivery_proctors

log = logging.getLogger(__name__)

# No 0/O, 1/I/L look-alikes (contracts.md).
START_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
START_CODE_LENGTH = 8


@dataclass(frozen=True, slots=True)
class DeliveryData:
    exam_id: str
    group_id: str
    title: str
    opens_at: datetime
    closes_at: datetime
    location: str | None = None


def new_start_code() -> str:
    return "".join(secrets.choice(START_CODE_ALPHABET) for _ in range(START_CODE_LENGTH))


def normalise_start_code(code: str) -> str:
    """What the key is derived from: upper-cased, spaces and dashes removed."""
    return code.upper().replace(" ", "").replace("-", "")


def list_deliveries(
    session: Session,
    *,
    page: int,
    per_page: int,
    exam_id: str | None = None,
    group_id: str | None = None,
    viewer: User | None = None,
) -> tuple[Sequence[Delivery], int]:
    """A page of deliveries; a proctor ``viewer`` sees only those assigned to them."""
    statement = select(Delivery).order_by(Delivery.opens_at.desc(), Delivery.id)
    if viewer is not None:
        scope = delivery_proctors.visible_to(viewer, Delivery.id)
        if scope is not None:
            statement = statement.where(scope)
    if exam_id is not None:
        statement = statement.where(Delivery.exam_id == exam_id)
    if group_id is not None:
        statement = statement.where(Delivery.group_id == group_id)
    return paginate(session, statement, page=page, per_page=per_page)


def get_delivery(session: Session, delivery_id: str) -> Delivery:
    return get_or_404(session, Delivery, delivery_id, "delivery")


def create_delivery(
    session: Session, data: DeliveryData, *, start_code: str | None = None
) -> Delivery:
    _check(session, data)
    delivery = Delivery(start_code=start_code or new_start_code())
    _apply(delivery, data)
    session.add(delivery)
    session.flush()
    log.info("delivery %s created for exam %s", delivery.id, delivery.exam_id)
    return delivery


def update_delivery(session: Session, delivery_id: str, data: DeliveryData) -> Delivery:
    delivery = get_delivery(session, delivery_id)
    _check(session, data)
    if data.exam_id != delivery.exam_id and session.scalar(
        select(Attempt.id).where(Attempt.delivery_id == delivery_id).limit(1)
    ):
        raise Conflict("This delivery has attempts; its exam can no longer change.")
    _apply(delivery, data)
    session.flush()
    return delivery


def delete_delivery(session: Session, delivery_id: str) -> None:
    delivery = get_delivery(session, delivery_id)
    delete_or_conflict(session, delivery, "This delivery has attempts and cannot be deleted.")


def _check(session: Session, data: DeliveryData) -> None:
    errors = []
    if session.get(Exam, data.exam_id) is None:
        errors.append(
            {"loc": ["body", "exam_id"], "msg": f"there is no exam with id {data.exam_id}"}
        )
    if session.get(Group, data.group_id) is None:
        errors.append(
            {"loc": ["body", "group_id"], "msg": f"there is no group with id {data.group_id}"}
        )
    if data.closes_at <= data.opens_at:
        errors.append({"loc": ["body", "closes_at"], "msg": "must be after opens_at"})
    if errors:
        raise Invalid("The delivery is not valid.", errors=errors)


def _apply(delivery: Delivery, data: DeliveryData) -> None:
    delivery.exam_id = data.exam_id
    delivery.group_id = data.group_id
    delivery.title = data.title
    delivery.opens_at = data.opens_at.astimezone(UTC)
    delivery.closes_at = data.closes_at.astimezone(UTC)
    delivery.location = data.location
