"""Recorded handovers (issue 13, finding 3): an attempt moved to another workstation, a
workstation without a key handed to another user. Admins only; each is kept in
``workstation_events`` with who, when and why; the recorded event is what they return.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, User, Workstation, WorkstationEvent, utcnow
from medxam_server.services.errors import Conflict, Invalid, NotFound
from medxam_server.services.sync.custody import ACTOR_ROLES

log = logging.getLogger(__name__)


def hand_over_attempt(
    session: Session, attempt_id: str, *, to_workstation_id: str, reason: str, by: str
) -> WorkstationEvent:
    """Bind the attempt to ``to_workstation_id``: from now on only that workstation's
    records are applied to it (the old one's are quarantined as ``wrong_workstation``)."""
    reason = _reason(reason)
    attempt = session.scalars(
        select(Attempt).where(Attempt.id == attempt_id).with_for_update()
    ).one_or_none()
    if attempt is None:
        raise NotFound("no such attempt")
    if attempt.workstation_id == to_workstation_id:
        raise Conflict("the attempt is already bound to that workstation")
    now = utcnow()
    event = WorkstationEvent(
        workstation_id=to_workstation_id,
        kind="attempt_handover",
        attempt_id=attempt.id,
        old_value=attempt.workstation_id,
        new_value=to_workstation_id,
        reason=reason,
        by_user_id=by,
        at=now,
    )
    session.add(event)
    attempt.workstation_id = to_workstation_id
    attempt.updated_at = now
    session.flush()
    log.info(
        "attempt %s handed over to workstation %s by user %s", attempt.id, to_workstation_id, by
    )
    return event


def hand_over_workstation(
    session: Session, workstation_id: str, *, user_id: str, reason: str, by: str
) -> WorkstationEvent:
    """Make ``user_id`` (a proctor or admin) the owner of the workstation: the user whose
    unsigned pushes it accepts while it has no key."""
    reason = _reason(reason)
    workstation = session.scalars(
        select(Workstation).where(Workstation.id == workstation_id).with_for_update()
    ).one_or_none()
    if workstation is None:
        raise NotFound("no such workstation (it has never pushed or registered a key)")
    role = session.scalar(select(User.role).where(User.id == user_id))
    if role not in ACTOR_ROLES:
        raise Invalid(
            "user_id must be a proctor or an admin",
            errors=[{"loc": ["body", "user_id"], "msg": "not a proctor or an admin"}],
        )
    now = utcnow()
    event = WorkstationEvent(
        workstation_id=workstation.id,
        kind="owner_changed",
        old_value=workstation.owner_id,
        new_value=user_id,
        reason=reason,
        by_user_id=by,
        at=now,
    )
    session.add(event)
    workstation.owner_id = user_id
    session.flush()
    log.info("workstation %s handed to user %s by user %s", workstation.id, user_id, by)
    return event


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Invalid(
            "a handover needs a reason", errors=[{"loc": ["body", "reason"], "msg": "empty"}]
        )
    return reason
