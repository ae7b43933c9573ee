"""Checks of new sync records that need the database, a few queries per batch.

- ``attempt.started``: the delivery and taker exist and the taker is in the delivery's
  group (``unknown_delivery``, ``unknown_taker``, ``taker_not_in_group``); an attempt id
  already started for another delivery or taker is ``attempt_conflict``.
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

from medxam_server.models import Delivery, GroupMember, Taker
from medxam_server.services import sync_store
from medxam_server.services.attempt_rows import AttemptRow
from medxam_server.services.attempt_sync import ExamCache
from medxam_server.services.exam_questions import answer_problem
from medxam_server.services.fold import answer_fits
from medxam_server.services.sync_validation import ValidRecord

Verdicts = dict[str, tuple[str, str]]  # record id -> (reason, detail)
ANSWER_KINDS = ("answer.saved", "question.timed")


def check_against_database(
    session: Session,
    records: Sequence[ValidRecord],
    exams: ExamCache,
    attempts: Mapping[str, AttemptRow],
) -> Verdicts:
    """Verdicts on ``records``; ``attempts`` are the existing attempts among theirs."""
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
    return verdicts


def _start_facts(postgres: bool) -> Executable:
    """In one query: the deliveries asked (tag ``d``: id, exam, group), the takers that
    exist (``t``: id), and their memberships in those deliveries' groups (``m``: group,
    taker)."""
    deliveries = select(literal("d"), Delivery.id, Delivery.exam_id, Delivery.group_id).where(
        sync_store.any_of(Delivery.id, "deliveries", postgres)
    )
    takers = select(literal("t"), Taker.id, null(), null()).where(
        sync_store.any_of(Taker.id, "takers", postgres)
    )
    members = (
        select(literal("m"), GroupMember.group_id, GroupMember.taker_id, null())
        .join(Delivery, Delivery.group_id == GroupMember.group_id)
        .where(
            sync_store.any_of(Delivery.id, "deliveries", postgres),
            sync_store.any_of(GroupMember.taker_id, "takers", postgres),
        )
    )
    return union_all(deliveries, takers, members)


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
    query = sync_store.statement_for(session, _start_facts)
    params = {"deliveries": sorted(delivery_ids), "takers": sorted(taker_ids)}
    deliveries: dict[str, tuple[str, str]] = {}
    takers: set[str] = set()
    members: set[tuple[str, str]] = set()
    for tag, first, second, third in session.connection().execute(query, params):
        if tag == "d":
            deliveries[str(first)] = (str(second), str(third))
        elif tag == "t":
            takers.add(str(first))
        else:
            members.add((str(first), str(second)))
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
        else:
            exam_id = deliveries[delivery_id][0]
            known.setdefault(record.attempt_id, (exam_id, delivery_id, taker_id))
            exam_of[record.attempt_id] = exam_id
    return exam_of
