"""Attempts online (endpoints 1-8 of the MedXam backend): start, answer, finish, rescore."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medxam_server.db.dialect import insert_for
from medxam_server.models import (
    Attempt,
    AttemptQuestion,
    Delivery,
    GroupMember,
    ScoreAudit,
    Taker,
    User,
    answer_mask,
    new_id,
    utcnow,
)
from medxam_server.rules.answers import answer_problem
from medxam_server.rules.points import to_units
from medxam_server.services.attempts import start_checks
from medxam_server.services.attempts.exam_questions import load_exam_questions
from medxam_server.services.attempts.scoring import max_score_units, rescore_attempt
from medxam_server.services.errors import Conflict, Invalid, NotFound
from medxam_server.services.setup import delivery_proctors

log = logging.getLogger(__name__)

ENDED = ("finished", "terminated")


@dataclass(frozen=True, slots=True)
class AttemptFilter:
    taker_id: str | None = None
    delivery_id: str | None = None
    exam_id: str | None = None
    completed: bool | None = None  # True: finished or terminated; False: in progress
    viewer: User | None = None  # a proctor sees only assigned deliveries' attempts


def list_attempts(
    session: Session, *, where: AttemptFilter, page: int, per_page: int
) -> tuple[list[Attempt], int]:
    conditions = []
    if where.taker_id:
        conditions.append(Attempt.taker_id == where.taker_id)
    if where.delivery_id:
        conditions.append(Attempt.delivery_id == where.delivery_id)
    if where.exam_id:
        conditions.append(Attempt.exam_id == where.exam_id)
    if where.completed is True:
        conditions.append(Attempt.status.in_(ENDED))
    elif where.completed is False:
        conditions.append(Attempt.status == "in_progress")
    if where.viewer is not None:
        scope = delivery_proctors.visible_to(where.viewer, Attempt.delivery_id)
        if scope is not None:
            conditions.append(scope)
    total = session.scalar(select(func.count()).select_from(Attempt).where(*conditions)) or 0
    items = session.scalars(
        select(Attempt)
        .where(*conditions)
        .order_by(Attempt.started_at.desc(), Attempt.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    return list(items), total


def get_attempt(session: Session, attempt_id: str, *, viewer: User | None = None) -> Attempt:
    """The attempt; ``NotFound`` also when ``viewer`` is a proctor not assigned to its
    delivery (issue 13, finding 10: its existence is not revealed)."""
    attempt = session.get(Attempt, attempt_id)
    if attempt is None or (
        viewer is not None and not delivery_proctors.may_see(session, viewer, attempt.delivery_id)
    ):
        raise NotFound(f"no attempt {attempt_id}")
    return attempt


def check_start(
    session: Session, *, delivery_id: str, taker_id: str, viewer: User | None = None
) -> Delivery:
    """The delivery, if this taker may start it; ``Invalid`` (422) otherwise. A delivery
    ``viewer`` may not see is answered as an unknown one."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or (
        viewer is not None and not delivery_proctors.may_see(session, viewer, delivery_id)
    ):
        raise Invalid(f"no delivery {delivery_id}", errors=[_err("delivery_id", "unknown")])
    if session.get(Taker, taker_id) is None:
        raise Invalid(f"no taker {taker_id}", errors=[_err("taker_id", "unknown")])
    member = session.get(GroupMember, (delivery.group_id, taker_id))
    if member is None:
        raise Invalid(
            "the taker is not in the delivery's group",
            errors=[_err("taker_id", "not in the delivery's group")],
        )
    return delivery


def start_attempt(
    session: Session,
    *,
    user: User,
    delivery_id: str,
    taker_id: str,
    attempt_id: str | None = None,
    workstation_id: str | None = None,
    started_at: datetime | None = None,
) -> tuple[Attempt, bool]:
    """(attempt, created). A client-chosen id makes the start idempotent: the same start
    again answers the same attempt; the same id with other content is a ``Conflict``.

    A new attempt needs the delivery open now and no live attempt of the taker in it
    (``start_checks``); a proctor may start only in an assigned delivery."""
    admin = not delivery_proctors.is_scoped(user)
    viewer = None if admin else user
    if attempt_id is not None:
        existing = session.get(Attempt, attempt_id)
        if existing is not None:
            if viewer is not None and not delivery_proctors.may_see(session, viewer, delivery_id):
                raise Invalid(f"no delivery {delivery_id}", errors=[_err("delivery_id", "unknown")])
            _same_start(existing, delivery_id, taker_id, workstation_id, started_at)
            return existing, False
    delivery = check_start(session, delivery_id=delivery_id, taker_id=taker_id, viewer=viewer)
    sitting = start_checks.next_sitting(session, delivery_id, taker_id, admin=admin)
    start_checks.check_start_window(delivery, utcnow())
    attempt = Attempt(
        id=attempt_id or new_id(),
        delivery_id=delivery_id,
        exam_id=delivery.exam_id,
        taker_id=taker_id,
        workstation_id=workstation_id,
        status="in_progress",
        started_at=started_at or utcnow(),
        max_score_units=max_score_units(session, delivery.exam_id),
        score_source="auto",
        created_by=user.id,
        integrity="unverified",
        sitting=sitting,
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another request won at the same moment: the same id (compare with it), or
        # another attempt of this taker took the sitting (the unique index).
        existing = session.get(Attempt, attempt.id)
        if existing is not None:
            _same_start(existing, delivery_id, taker_id, workstation_id, started_at)
            return existing, False
        latest = start_checks.latest_attempt(session, delivery_id, taker_id)
        if latest is None:
            raise
        start_checks.raise_if_live(latest, admin=admin)
        raise start_checks.AttemptExists(
            f"Another start of this taker won at the same moment: attempt {latest.id}.",
            latest.id,
        ) from None
    return attempt, True


def _same_start(
    existing: Attempt,
    delivery_id: str,
    taker_id: str,
    workstation_id: str | None,
    started_at: datetime | None,
) -> None:
    same = (
        existing.delivery_id == delivery_id
        and existing.taker_id == taker_id
        and (workstation_id is None or existing.workstation_id == workstation_id)
        and (started_at is None or existing.started_at == started_at)
    )
    if not same:
        raise Conflict(f"attempt {existing.id} already exists with different content")


def finish_attempt(
    session: Session, attempt_id: str, *, finished_at: datetime | None = None
) -> Attempt:
    """Finish and score; finishing a finished attempt changes nothing."""
    attempt = get_attempt(session, attempt_id)
    if attempt.status == "finished":
        return attempt
    if attempt.status == "terminated":
        raise Conflict("the attempt was terminated by a proctor; it cannot be finished")
    attempt.status = "finished"
    attempt.finished_at = finished_at or utcnow()
    rescore_attempt(session, attempt)
    attempt.updated_at = utcnow()
    return attempt


def save_answer(
    session: Session,
    attempt_id: str,
    *,
    question_id: str,
    answer: Sequence[str],
    time_spent_ms: int,
    answered_at: datetime,
    flagged: bool,
) -> AttemptQuestion:
    """Upsert the answer to one question; ``[]`` clears it. 409 once the attempt ended."""
    attempt = get_attempt(session, attempt_id)
    if attempt.status != "in_progress":
        raise Conflict(f"the attempt is {attempt.status}; answers can no longer change")
    start_checks.check_answer_window(session, attempt, utcnow())
    question = load_exam_questions(session, attempt.exam_id).get(question_id)
    if question is None:
        raise Invalid(
            "the question is not in this attempt's exam",
            errors=[_err("question_id", "not in the exam")],
        )
    problem = answer_problem(question, answer)
    if problem is not None:
        raise Invalid(problem, errors=[_err("answer", problem)])
    values = {
        "attempt_id": attempt.id,
        "question_id": question_id,
        "position": question.position,
        "answer": list(answer),
        "answer_mask": answer_mask(answer),
        "time_spent_ms": time_spent_ms,
        "answered_at": answered_at,
        "flagged": flagged,
    }
    keys = ["attempt_id", "question_id"]
    upsert = insert_for(session, AttemptQuestion).values(values)
    changes = {k: upsert.excluded[k] for k in values if k not in keys}
    session.execute(upsert.on_conflict_do_update(index_elements=keys, set_=changes))
    attempt.updated_at = utcnow()
    session.flush()
    row = session.get_one(AttemptQuestion, (attempt.id, question_id), populate_existing=True)
    return row


def update_score(
    session: Session,
    attempt_id: str,
    *,
    user_id: str,
    score: float | None,
    penalty: float | None,
    reason: str,
) -> Attempt:
    """An admin's override, kept in ``score_audit`` with author, old and new values."""
    if score is None and penalty is None:
        raise Invalid("give a new score, a new penalty or both")
    if not reason.strip():
        raise Invalid("a reason is required", errors=[_err("reason", "required")])
    attempt = get_attempt(session, attempt_id)
    if attempt.status not in ENDED:
        raise Conflict("the attempt is still in progress; finish it before changing its score")
    new_score = to_units(score) if score is not None else attempt.score_units
    new_penalty = to_units(penalty) if penalty is not None else attempt.penalty_units
    session.add(
        ScoreAudit(
            attempt_id=attempt.id,
            changed_by=user_id,
            old_score_units=attempt.score_units,
            old_penalty_units=attempt.penalty_units,
            new_score_units=new_score,
            new_penalty_units=new_penalty,
            reason=reason,
        )
    )
    attempt.score_units = new_score
    attempt.penalty_units = new_penalty
    attempt.score_source = "manual"
    attempt.updated_at = utcnow()
    log.info("score of attempt %s changed by %s", attempt.id, user_id)
    return attempt


def _err(field: str, msg: str) -> dict[str, object]:
    return {"loc": ["body", field], "msg": msg}
