"""The checks of ``attempt.started`` records, part of the check stage: the delivery and
the taker exist, the taker is in the delivery's group, the attempt id is not already
another delivery's or taker's, and the taker has no other attempt in the delivery (one
live attempt per taker and delivery, issue 13 finding 2). One query for all the
batch's starts; it reads setup's tables (deliveries, takers, group members) and the
attempts, not the sync tables, so it stays here rather than in ``statements``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import literal, null, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import Attempt, Delivery, GroupMember, Taker
from medxam_server.rules.records import ValidRecord
from medxam_server.services.sync.batch_state import Verdicts
from medxam_server.services.sync.exam_cache import ExamCache


def _start_facts(postgres: bool) -> Executable:
    """In one query: the deliveries asked (tag ``d``: id, exam, group), the takers that
    exist (``t``: id), their memberships in those deliveries' groups (``m``: group,
    taker), and the attempts held for those deliveries and takers (``a``: attempt,
    delivery, taker)."""
    deliveries = select(literal("d"), Delivery.id, Delivery.exam_id, Delivery.group_id).where(
        dialect.any_of(Delivery.id, "deliveries", postgres)
    )
    takers = select(literal("t"), Taker.id, null(), null()).where(
        dialect.any_of(Taker.id, "takers", postgres)
    )
    members = (
        select(literal("m"), GroupMember.group_id, GroupMember.taker_id, null())
        .join(Delivery, Delivery.group_id == GroupMember.group_id)
        .where(
            dialect.any_of(Delivery.id, "deliveries", postgres),
            dialect.any_of(GroupMember.taker_id, "takers", postgres),
        )
    )
    attempts = select(literal("a"), Attempt.id, Attempt.delivery_id, Attempt.taker_id).where(
        dialect.any_of(Attempt.delivery_id, "deliveries", postgres),
        dialect.any_of(Attempt.taker_id, "takers", postgres),
    )
    return union_all(deliveries, takers, members, attempts)


def start_verdicts(
    session: Session,
    exams: ExamCache,
    starts: Sequence[ValidRecord],
    known: dict[str, tuple[str, str, str]],
    verdicts: Verdicts,
) -> dict[str, str]:
    """Verdicts for start records; attempt id -> exam id for the acceptable ones."""
    delivery_ids = {str(r.data["delivery_id"]).lower() for r in starts}
    taker_ids = {str(r.data["taker_id"]).lower() for r in starts}
    query = dialect.statement_for(session, _start_facts)
    params = {"deliveries": sorted(delivery_ids), "takers": sorted(taker_ids)}
    deliveries: dict[str, tuple[str, str]] = {}
    takers: set[str] = set()
    members: set[tuple[str, str]] = set()
    owners: dict[tuple[str, str], set[str]] = {}  # (delivery, taker) -> attempt ids
    for tag, first, second, third in session.connection().execute(query, params):
        if tag == "d":
            deliveries[str(first)] = (str(second), str(third))
        elif tag == "t":
            takers.add(str(first))
        elif tag == "m":
            members.add((str(first), str(second)))
        else:
            owners.setdefault((str(second), str(third)), set()).add(str(first))
    exams.delivery_exams.update({did: exam for did, (exam, _) in deliveries.items()})
    exam_of: dict[str, str] = {}
    for record in sorted(starts, key=lambda r: r.seq):
        delivery_id = str(record.data["delivery_id"]).lower()
        taker_id = str(record.data["taker_id"]).lower()
        previous = known.get(record.attempt_id)
        if previous is not None and previous[1:] != (delivery_id, taker_id):
            verdicts[record.id] = (
                "attempt_conflict",
                "this attempt was started for another delivery or taker",
            )
        elif delivery_id not in deliveries:
            verdicts[record.id] = ("unknown_delivery", "the delivery does not exist")
        elif taker_id not in takers:
            verdicts[record.id] = ("unknown_taker", "the taker does not exist")
        elif (deliveries[delivery_id][1], taker_id) not in members:
            verdicts[record.id] = ("taker_not_in_group", "the taker is not in the group")
        elif record.attempt_id not in owners.setdefault(
            (delivery_id, taker_id), {record.attempt_id}
        ):
            held = sorted(owners[(delivery_id, taker_id)])[0]
            verdicts[record.id] = (
                "taker_has_attempt",
                f"the taker already has attempt {held} in this delivery",
            )
        else:
            exam_id = deliveries[delivery_id][0]
            known.setdefault(record.attempt_id, (exam_id, delivery_id, taker_id))
            exam_of[record.attempt_id] = exam_id
    return exam_of
