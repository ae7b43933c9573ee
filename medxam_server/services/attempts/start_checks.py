"""Rules of the online attempt endpoints (issue 13, findings 2 and 7).

- One live attempt per taker and delivery. A taker's attempt in a delivery is sitting 1;
  a second start (another id) answers ``AttemptExists`` (409) naming the existing attempt.
  Only an admin may start a re-sit, and only when every earlier sitting was terminated:
  it becomes sitting n + 1. The database holds (delivery, taker, sitting) unique, so two
  starts at the same moment cannot both win (the loser answers the same 409).
- The delivery's time window: a start must happen (server clock) within
  [opens_at, closes_at]. Answers are taken until closes_at plus the exam's duration, so an
  attempt started just before closing can still run its full time. Finishing is always
  allowed: it adds nothing and closes the attempt.
- Batch sync does not check the window: offline workstations may sync days later, and
  their records must not be lost (docs/api.md, "Security model").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Exam
from medxam_server.services.errors import Conflict


class AttemptExists(Conflict):
    """The taker already has an attempt in this delivery; ``attempt_id`` names it (also
    in the problem body as ``"attempt_id"``)."""

    def __init__(self, detail: str, attempt_id: str) -> None:
        super().__init__(detail)
        self.attempt_id = attempt_id
        self.extensions = {"attempt_id": attempt_id}


def latest_attempt(session: Session, delivery_id: str, taker_id: str) -> Attempt | None:
    """The taker's attempt in the delivery with the highest sitting (None if none)."""
    return session.scalars(
        select(Attempt)
        .where(Attempt.delivery_id == delivery_id, Attempt.taker_id == taker_id)
        .order_by(Attempt.sitting.desc())
        .limit(1)
    ).first()


def next_sitting(session: Session, delivery_id: str, taker_id: str, *, admin: bool) -> int:
    """The sitting a new attempt of this taker in this delivery gets, or ``AttemptExists``."""
    latest = latest_attempt(session, delivery_id, taker_id)
    if latest is None:
        return 1
    raise_if_live(latest, admin=admin)
    return latest.sitting + 1


def raise_if_live(latest: Attempt, *, admin: bool) -> None:
    if latest.status != "terminated":
        raise AttemptExists(
            f"This taker already has attempt {latest.id} ({latest.status}) in this delivery; "
            "a taker sits a delivery once.",
            latest.id,
        )
    if not admin:
        raise AttemptExists(
            f"This taker's attempt {latest.id} in this delivery was terminated; only an "
            "admin can start a re-sit.",
            latest.id,
        )


def check_start_window(delivery: Delivery, now: datetime) -> None:
    if now < delivery.opens_at:
        raise Conflict(
            f"This delivery opens at {_text(delivery.opens_at)}; attempts cannot start before."
        )
    if now > delivery.closes_at:
        raise Conflict(
            f"This delivery closed at {_text(delivery.closes_at)}; attempts can no longer start."
        )


def answers_close_at(session: Session, attempt: Attempt) -> datetime:
    """When online answers stop being taken: the delivery's close plus the exam's duration."""
    delivery = session.get_one(Delivery, attempt.delivery_id)
    duration = session.scalar(select(Exam.duration_minutes).where(Exam.id == attempt.exam_id))
    return delivery.closes_at + timedelta(minutes=duration or 0)


def check_answer_window(session: Session, attempt: Attempt, now: datetime) -> None:
    deadline = answers_close_at(session, attempt)
    if now > deadline:
        raise Conflict(
            f"Answers to this delivery were taken until {_text(deadline)} (its close plus "
            "the exam's duration); this one came too late."
        )


def _text(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
