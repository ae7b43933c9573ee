"""Checks of new sync records that need the database, a few queries per batch.

- ``attempt.started``: the delivery and taker exist and the taker is in the delivery's
  group (``unknown_delivery``, ``unknown_taker``, ``taker_not_in_group``); an attempt id
  already started for another delivery or taker is ``attempt_conflict``; a second
  attempt (another id) for a taker who has one in the delivery, held or earlier in the
  batch, is ``taker_has_attempt`` (one live attempt per taker and delivery, issue 13
  finding 2; batch sync never starts a re-sit).
- A proctor's push (``scoped_user``): every record of an attempt in a delivery the
  proctor is not assigned to is ``delivery_not_assigned`` (finding 10), the delivery
  being the held attempt's or, for an attempt started in the batch, its start's.
  Records of an attempt whose start has not arrived cannot be placed and are accepted.
- ``answer.saved``/``question.timed`` for an attempt whose exam is known (started
  before, or in this batch): the question is in the exam (``question_not_in_exam``) and
  the answer uses its options (``unknown_option``). Records of an attempt whose start
  has not arrived are accepted and checked by the fold when it does (rule 7).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import literal, null, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import Attempt, Delivery, GroupMember, Taker
from medxam_server.rules.answers import answer_problem
from medxam_server.rules.fold import answer_fits
from medxam_server.rules.records import ValidRecord
from medxam_server.services.setup import delivery_proctors
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.exam_cache import ExamCache

Verdicts = dict[str, tuple[str, str]]  # record id -> (reason, detail)
ANSWER_KINDS = ("answer.saved", "question.timed")


def check_against_database(
    session: Session,
    records: Sequence[ValidRecord],
    exams: ExamCache,
    attempts: Mapping[str, AttemptRow],
    *,
    scoped_user: str | None = None,
) -> Verdicts:
    """Verdicts on ``records``; ``attempts`` are the existing attempts among theirs.
    ``scoped_user``: the pushing proctor (None for an admin or a bundle)."""
    verdicts: Verdicts = {}
    if not records:
        return verdicts
    known = {aid: (a.exam_id, a.delivery_id, a.taker_id) for aid, a in attempts.items()}
    exam_of = {aid: exam for aid, (exam, _, _) in known.items()}
    starts = [r for r in records if r.kind == "attempt.started"]
    if starts:
        exam_of.update(_check_starts(session, exams, starts, known, verdicts))
    for record in records:
        if record.kind not in ANSWER_KINDS:
            continue
        exam_id = exam_of.get(record.attempt_id)
        if exam_id is None:
            continue
        question = exams.questions(exam_id).get(record.data["question_id"].lower())
        if question is None:
            verdicts[record.id] = ("question_not_in_exam", "the question is not in the exam")
        elif record.kind == "answer.saved":
            labels = record.data["answer"]  # a list of strings (sync_validation)
            if not answer_fits(question, labels):
                verdicts[record.id] = ("unknown_option", str(answer_problem(question, labels)))
    if scoped_user is not None:
        _check_assigned(session, scoped_user, records, starts, attempts, verdicts)
    return verdicts


NOT_ASSIGNED = (
    "delivery_not_assigned",
    "the pushing proctor is not assigned to this attempt's delivery",
)


def _check_assigned(
    session: Session,
    user_id: str,
    records: Sequence[ValidRecord],
    starts: Sequence[ValidRecord],
    attempts: Mapping[str, AttemptRow],
    verdicts: Verdicts,
) -> None:
    """``delivery_not_assigned`` for the records of attempts in deliveries ``user_id`` is
    not assigned to (one query). It replaces any other verdict, which could tell the
    proctor about that delivery's attempts."""
    delivery_of = {aid: a.delivery_id for aid, a in attempts.items()}
    for start in sorted(starts, key=lambda r: r.seq):
        if verdicts.get(start.id, ("",))[0] != "unknown_delivery":  # nothing to hide
            delivery_of.setdefault(start.attempt_id, str(start.data["delivery_id"]).lower())
    placed = {delivery_of[r.attempt_id] for r in records if r.attempt_id in delivery_of}
    if not placed:
        return
    assigned = delivery_proctors.assigned_among(session, user_id, sorted(placed))
    for record in records:
        delivery_id = delivery_of.get(record.attempt_id)
        if delivery_id is not None and delivery_id not in assigned:
            verdicts[record.id] = NOT_ASSIGNED


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


def _check_starts(
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
