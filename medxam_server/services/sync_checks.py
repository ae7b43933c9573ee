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

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from medxam_server.models import Delivery, GroupMember, Taker
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
        exam_of.update(_check_starts(session, starts, known, verdicts))
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


def _check_starts(
    session: Session,
    starts: Sequence[ValidRecord],
    known: dict[str, tuple[str, str, str]],
    verdicts: Verdicts,
) -> dict[str, str]:
    """Verdicts for start records; attempt id -> exam id for the acceptable ones."""
    delivery_ids = {str(r.data["delivery_id"]).lower() for r in starts}
    taker_ids = {str(r.data["taker_id"]).lower() for r in starts}
    deliveries = {
        str(did): (str(exam), str(group))
        for did, exam, group in session.connection()
        .execute(
            select(Delivery.id, Delivery.exam_id, Delivery.group_id).where(
                Delivery.id.in_(delivery_ids)
            )
        )
        .all()
    }
    takers = {
        str(t)
        for t in session.connection().scalars(select(Taker.id).where(Taker.id.in_(taker_ids)))
    }
    pairs = {(deliveries[d][1], t) for d in delivery_ids if d in deliveries for t in taker_ids}
    members = (
        {
            (str(g), str(t))
            for g, t in session.connection()
            .execute(
                select(GroupMember.group_id, GroupMember.taker_id).where(
                    tuple_(GroupMember.group_id, GroupMember.taker_id).in_(sorted(pairs))
                )
            )
            .all()
        }
        if pairs
        else set()
    )
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
