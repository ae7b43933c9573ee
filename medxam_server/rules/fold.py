"""The fold: an attempt and its answers are what its kept sync records say, in ``seq`` order.

Pure Python (no database), so the same function rebuilds an attempt from
``sync_records`` and serves the property tests. Rules (API.md "Batch sync" 3, 6, 7):

- The attempt exists once its ``attempt.started`` record is held.
- The first ``attempt.finished`` or ``attempt.terminated`` (lowest ``seq``) ends it;
  answers and times from records with a higher ``seq`` than that end are ignored.
- A question's answer is the one from the highest-``seq`` valid ``answer.saved``; its
  ``time_spent_ms`` comes from the highest-``seq`` record carrying one (``answer.saved``
  or ``question.timed``). An answer naming an option the question does not have (or a
  question outside the exam) is kept as evidence but has no effect at all, exactly as
  if it had been rejected on arrival, so the outcome never depends on arrival order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any, Protocol

from medxam_server.rules.answers import QuestionInfo, answer_problem

ENDING_KINDS = ("attempt.finished", "attempt.terminated")
by_seq = attrgetter("seq")


class Fact(Protocol):
    """What the fold reads of a record: a new ``ValidRecord`` or a ``FoldRecord`` read back."""

    @property
    def id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def at_text(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(slots=True)
class FoldRecord:
    """A kept record read back from ``sync_records``."""

    id: str
    seq: int
    kind: str
    at: datetime
    data: Mapping[str, Any]
    workstation_id: str

    @property
    def at_text(self) -> str:
        return self.at.isoformat()


@dataclass(slots=True)
class FoldedAnswer:
    question_id: str
    position: int
    answer: list[str] = field(default_factory=list)
    answered_at: datetime | None = None
    answered_text: str | None = None  # answered_at as RFC 3339 text
    flagged: bool = False
    answer_seq: int = 0
    time_spent_ms: int = 0
    time_seq: int = 0


@dataclass(slots=True)
class FoldedAttempt:
    started: Fact
    status: str = "in_progress"
    finished_at: datetime | None = None
    end: Fact | None = None
    answers: dict[str, FoldedAnswer] = field(default_factory=dict)

    @property
    def end_seq(self) -> int | None:
        return self.end.seq if self.end else None


def find_start(records: Iterable[Fact]) -> Fact | None:
    starts = [r for r in records if r.kind == "attempt.started"]
    return min(starts, key=lambda r: r.seq) if starts else None


def find_end(records: Iterable[Fact]) -> Fact | None:
    ends = [r for r in records if r.kind in ENDING_KINDS]
    return min(ends, key=lambda r: r.seq) if ends else None


def answer_fits(question: QuestionInfo, labels: list[str]) -> bool:
    """``answer_problem(question, labels) is None``, with the usual one label checked
    directly (this runs for every answer record)."""
    if len(labels) == 1:
        return labels[0] in question.labels
    return answer_problem(question, labels) is None


def answer_effect(
    record: Fact, questions: Mapping[str, QuestionInfo]
) -> tuple[QuestionInfo, list[str] | None, int | None] | None:
    """What an ``answer.saved`` or ``question.timed`` record sets: (question, answer or
    None, time_spent_ms or None); None when it sets nothing.

    Every kept record passed ``sync_validation`` (its ``question_id`` is a UUID, its
    ``answer`` a list of strings, its ``time_spent_ms`` an integer when present).
    """
    kind = record.kind
    if kind != "answer.saved" and kind != "question.timed":
        return None
    data = record.data
    question = questions.get(data["question_id"].lower())
    if question is None:
        return None
    if kind == "question.timed":
        return question, None, data["time_spent_ms"]
    labels = list(data["answer"])
    if not answer_fits(question, labels):
        return None  # as if rejected at ingest: neither its answer nor its time counts
    return question, labels, data.get("time_spent_ms")


def fold_attempt(
    records: Iterable[Fact], questions: Mapping[str, QuestionInfo]
) -> FoldedAttempt | None:
    """The attempt the records describe, or None while its start has not arrived."""
    ordered = sorted(records, key=by_seq)
    started = find_start(ordered)
    if started is None:
        return None
    folded = FoldedAttempt(started=started)
    end = find_end(ordered)
    if end is not None:
        folded.end = end
        folded.status = "finished" if end.kind == "attempt.finished" else "terminated"
        folded.finished_at = end.at
    for record in ordered:
        if end is not None and record.seq > end.seq:
            break
        effect = answer_effect(record, questions)
        if effect is None:
            continue
        question, answer, time_ms = effect
        row = folded.answers.get(question.question_id)
        if row is None:
            row = folded.answers[question.question_id] = FoldedAnswer(
                question.question_id, question.position
            )
        if answer is not None:
            row.answer = answer
            row.answered_at = record.at
            row.answered_text = record.at_text
            row.flagged = bool(record.data.get("flagged", False))
            row.answer_seq = record.seq
        if time_ms is not None:
            row.time_spent_ms = time_ms
            row.time_seq = record.seq
    return folded
