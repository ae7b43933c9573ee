"""Stage 2, check: what the database must say about the batch's candidates, a few
queries per batch. A refused candidate gets a verdict (reason, detail); the store stage
quarantines it, unless the record turns out to be held already.

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
- Custody (``custody.record_verdicts``): the attempt's workstation, the ``by`` user.
- The cap on an attempt's time extensions (``extension_cap``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from medxam_server.rules.answers import answer_problem
from medxam_server.rules.fold import answer_fits
from medxam_server.rules.records import ValidRecord
from medxam_server.services.setup import delivery_proctors
from medxam_server.services.sync import custody
from medxam_server.services.sync.attempt_rows import AttemptRow, load_attempts
from medxam_server.services.sync.batch_state import BatchState, Verdicts
from medxam_server.services.sync.exam_cache import ExamCache
from medxam_server.services.sync.extension_cap import extension_verdicts
from medxam_server.services.sync.start_checks import start_verdicts

ANSWER_KINDS = ("answer.saved", "question.timed")


def check_records(session: Session, state: BatchState) -> None:
    """Fill ``attempt_ids``, ``attempts`` (those that exist) and ``verdicts``."""
    batch = state.batch
    valid = [record for _, record in state.candidates]
    state.attempt_ids = sorted({r.attempt_id for r in valid})
    attempts = state.attempts = load_attempts(session, state.attempt_ids)
    scoped = None if batch.admin or batch.source != "push" else batch.user_id
    verdicts = _database_verdicts(session, valid, state.exams, attempts, scoped_user=scoped)
    verdicts.update(custody.record_verdicts(session, batch.workstation_id, valid, attempts))
    verdicts.update(extension_verdicts(session, valid, verdicts))
    state.verdicts = verdicts


def _database_verdicts(
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
        exam_of.update(start_verdicts(session, exams, starts, known, verdicts))
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
            labels = record.data["answer"]  # a list of strings (rules.records)
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
