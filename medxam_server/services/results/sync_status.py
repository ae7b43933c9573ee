"""How complete a delivery's synced results are, per workstation (the admin's deliveries list).

One aggregate over the delivery's attempts, grouped by the workstation that made them
(``null`` for attempts made online without one), joined to ``workstations`` for its
high-water mark and the last time a push from it arrived:

- ``complete`` / ``incomplete``: attempts whose integrity is that (finished by sync, the
  records held checked against the finish's count and digest);
- ``pending``: attempts whose integrity is ``unverified``: in progress, or the finish
  has not arrived (an attempt finished online or terminated is never verified and stays
  here too);
- ``in_progress``: attempts whose status is ``in_progress``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from medxam_server.models import Attempt, Delivery, Workstation
from medxam_server.services.common import get_or_404


@dataclass(frozen=True, slots=True)
class WorkstationSync:
    workstation_id: str | None  # None: attempts made online
    attempts: int
    complete: int
    incomplete: int
    pending: int
    in_progress: int
    last_received_at: datetime | None
    high_water_mark: int | None


@dataclass(frozen=True, slots=True)
class DeliverySyncStatus:
    delivery_id: str
    attempts: int
    complete: int
    incomplete: int
    pending: int
    workstations: list[WorkstationSync]


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def delivery_sync_status(session: Session, delivery_id: str) -> DeliverySyncStatus:
    """``GET /api/deliveries/{id}/sync-status``; ``NotFound`` for an unknown delivery."""
    delivery = get_or_404(session, Delivery, delivery_id, "delivery")
    rows = session.execute(
        select(
            Attempt.workstation_id,
            func.count(),
            _count_where(Attempt.integrity == "complete"),
            _count_where(Attempt.integrity == "incomplete"),
            _count_where(Attempt.integrity == "unverified"),
            _count_where(Attempt.status == "in_progress"),
            Workstation.last_seen_at,
            Workstation.high_water_mark,
        )
        .outerjoin(Workstation, Workstation.id == Attempt.workstation_id)
        .where(Attempt.delivery_id == delivery.id)
        .group_by(Attempt.workstation_id, Workstation.last_seen_at, Workstation.high_water_mark)
    ).all()
    workstations = [
        WorkstationSync(
            workstation_id=ws,
            attempts=int(n),
            complete=int(complete),
            incomplete=int(incomplete),
            pending=int(pending),
            in_progress=int(running),
            last_received_at=last_seen,
            high_water_mark=int(mark) if mark is not None else None,
        )
        for ws, n, complete, incomplete, pending, running, last_seen, mark in rows
    ]
    workstations.sort(key=lambda w: (w.workstation_id is None, w.workstation_id or ""))
    return DeliverySyncStatus(
        delivery_id=delivery.id,
        attempts=sum(w.attempts for w in workstations),
        complete=sum(w.complete for w in workstations),
        incomplete=sum(w.incomplete for w in workstations),
        pending=sum(w.pending for w in workstations),
        workstations=workstations,
    )
