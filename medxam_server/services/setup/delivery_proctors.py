"""Proctors assigned to deliveries (issue 13, finding 10).

A proctor sees and acts on the deliveries they are assigned to and nothing else: other
deliveries, their start codes, packages and attempts answer as if they did not exist
(404, or the "unknown delivery" 422 where a request body names one). Admins see every
delivery and are never assigned. An admin sets a delivery's proctors with
``set_proctors`` (``PUT /api/deliveries/{id}/proctors`` or ``proctor_ids`` on the
delivery itself).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, delete, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import Delivery, DeliveryProctor, User, utcnow
from medxam_server.services.common import get_or_404
from medxam_server.services.errors import Invalid, NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AssignedProctor:
    user_id: str
    username: str
    full_name: str
    assigned_by: str | None
    assigned_at: datetime


def is_scoped(user: User) -> bool:
    """Whether ``user`` sees only assigned deliveries (every role but admin)."""
    return user.role != "admin"


def assigned_ids(user_id: str) -> Select[Any]:
    """The ids of the deliveries ``user_id`` is assigned to, as a subquery."""
    return select(DeliveryProctor.delivery_id).where(DeliveryProctor.user_id == user_id)


def visible_to(user: User, delivery_id: Any) -> ColumnElement[bool] | None:
    """A condition ``delivery_id`` (a column) is one ``user`` may see; None for admins."""
    if not is_scoped(user):
        return None
    condition: ColumnElement[bool] = delivery_id.in_(assigned_ids(user.id))
    return condition


def may_see(session: Session, user: User, delivery_id: str) -> bool:
    if not is_scoped(user):
        return True
    key = (delivery_id, user.id)
    return session.get(DeliveryProctor, key) is not None


def visible_delivery(session: Session, user: User, delivery_id: str) -> Delivery:
    """The delivery, or ``NotFound`` when it does not exist or ``user`` may not see it."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or not may_see(session, user, delivery_id):
        raise NotFound(f"There is no delivery with id {delivery_id}.")
    return delivery


def proctors_of(session: Session, delivery_id: str) -> list[AssignedProctor]:
    """The delivery's proctors, by username."""
    get_or_404(session, Delivery, delivery_id, "delivery")
    rows = session.execute(
        select(User, DeliveryProctor.assigned_by, DeliveryProctor.assigned_at)
        .join(DeliveryProctor, DeliveryProctor.user_id == User.id)
        .where(DeliveryProctor.delivery_id == delivery_id)
        .order_by(User.username)
    ).all()
    return [
        AssignedProctor(
            user_id=user.id,
            username=user.username,
            full_name=user.full_name,
            assigned_by=by,
            assigned_at=at,
        )
        for user, by, at in rows
    ]


def set_proctors(
    session: Session, delivery_id: str, user_ids: Sequence[str], *, assigned_by: str
) -> list[AssignedProctor]:
    """Make the delivery's proctors exactly ``user_ids`` (each a user with role proctor);
    those already assigned keep their ``assigned_at``. ``Invalid`` (422) changes nothing."""
    get_or_404(session, Delivery, delivery_id, "delivery")
    wanted = _checked(session, user_ids)
    current = set(
        session.scalars(
            select(DeliveryProctor.user_id).where(DeliveryProctor.delivery_id == delivery_id)
        )
    )
    gone = current - wanted
    if gone:
        session.execute(
            delete(DeliveryProctor).where(
                DeliveryProctor.delivery_id == delivery_id, DeliveryProctor.user_id.in_(gone)
            )
        )
    now = utcnow()
    session.add_all(
        DeliveryProctor(
            delivery_id=delivery_id, user_id=uid, assigned_by=assigned_by, assigned_at=now
        )
        for uid in sorted(wanted - current)
    )
    session.flush()
    log.info(
        "delivery %s: %d proctors assigned, %d removed by %s",
        delivery_id,
        len(wanted - current),
        len(gone),
        assigned_by,
    )
    return proctors_of(session, delivery_id)


def _checked(session: Session, user_ids: Iterable[str]) -> set[str]:
    wanted = set(user_ids)
    found = session.execute(select(User.id, User.role).where(User.id.in_(wanted)))
    roles = {uid: role for uid, role in found}
    errors = []
    for index, uid in enumerate(user_ids):
        role = roles.get(uid)
        if role is None:
            errors.append({"loc": ["body", "user_ids", index], "msg": f"there is no user {uid}"})
        elif role != "proctor":
            errors.append(
                {"loc": ["body", "user_ids", index], "msg": f"user {uid} is not a proctor"}
            )
    if errors:
        raise Invalid("Only users with the role proctor can be assigned.", errors=errors)
    return wanted


def assigned_among(session: Session, user_id: str, delivery_ids: Sequence[str]) -> set[str]:
    """Which of ``delivery_ids`` ``user_id`` is assigned to: one query (batch sync)."""
    if not delivery_ids:
        return set()
    query = dialect.statement_for(session, _assigned_among)
    rows = session.connection().execute(query, {"user": user_id, "ids": list(delivery_ids)})
    return {str(did) for (did,) in rows}


def _assigned_among(postgres: bool) -> Executable:
    return select(DeliveryProctor.delivery_id).where(
        DeliveryProctor.user_id == bindparam("user", type_=DeliveryProctor.user_id.type),
        dialect.any_of(DeliveryProctor.delivery_id, "ids", postgres),
    )
