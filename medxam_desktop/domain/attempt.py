"""What the Store hands the UI and the sync code: frozen views, never rows.

Also the outbox record format of API.md "Batch sync" and the ``attempt.finished``
digest rule (rule 6), kept here so the store, the sync code and the tests agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from medxam_desktop.domain.lifecycle import AttemptStatus

PROTOCOL_VERSION = 1

RECORD_KINDS = (
    "attempt.started",
    "answer.saved",
    "question.timed",
    "attempt.paused",
    "attempt.resumed",
    "attempt.time_extended",
    "attempt.incident",
    "attempt.terminated",
    "attempt.finished",
)


@dataclass(frozen=True, slots=True)
class AttemptView:
    id: str
    delivery_id: str
    exam_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    status: AttemptStatus
    duration_ms: int
    extension_ms: int
    used_ms: int
    remaining_ms: int  # as of ``as_of`` (monotonic reading)
    current_question_id: str | None
    checked_in_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    credited_downtime_ms: int = 0  # total downtime credited after restarts (for the proctor)
    last_downtime_ms: int = 0  # the most recent one
    record_count: int | None = None  # set once finished
    digest: str | None = None
    receipt_code: str | None = None
    integrity: str | None = None  # what the server last said: complete | incomplete | ...
    paused_at: datetime | None = None  # wall clock (evidence), while paused


@dataclass(frozen=True, slots=True)
class SavedAnswer:
    """An answer that is on disk: returned only after its transaction committed."""

    attempt_id: str
    question_id: str
    answer: tuple[str, ...]
    flagged: bool
    time_spent_ms: int
    seq: int  # the outbox seq of its answer.saved record
    saved_at: datetime


@dataclass(frozen=True, slots=True)
class AnswerView:
    question_id: str
    answer: tuple[str, ...]
    flagged: bool
    time_spent_ms: int

    @property
    def answered(self) -> bool:
        return bool(self.answer)


QUESTION_PAYLOAD_KINDS = frozenset({"answer.saved", "question.timed"})


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """One fact for the server, in API.md's record format (``wire()``)."""

    id: str
    seq: int
    attempt_id: str
    kind: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    state: str = "pending"  # pending | acknowledged | quarantined

    def wire(self) -> dict[str, Any]:
        """The record as API.md sends it.

        The store keeps the proctor (``by``) and the question on screen inside ``data``;
        on the wire they are top-level fields of the record. ``question_id`` stays in
        ``data`` too for the kinds whose payload names a question (answer.saved,
        question.timed).
        """
        data = dict(self.data)
        record: dict[str, Any] = {
            "id": self.id,
            "seq": self.seq,
            "attempt_id": self.attempt_id,
            "kind": self.kind,
            "at": format_wire_time(self.at),
        }
        by = data.pop("by", None)
        if by is not None:
            record["by"] = by
        on_screen = data.get("question_id")
        if on_screen is not None:
            record["question_id"] = on_screen
            if self.kind not in QUESTION_PAYLOAD_KINDS:
                del data["question_id"]
        record["data"] = data
        return record


@dataclass(frozen=True, slots=True)
class QuarantinedRecord:
    """A record the server rejected: kept here, shown to the proctor with the reason."""

    record: OutboxRecord
    reason: str


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    acknowledged: int = 0
    quarantined: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.acknowledged + self.quarantined


def format_wire_time(moment: datetime) -> str:
    """``2026-11-24T09:12:03.123Z``: UTC, milliseconds, a Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def records_digest(record_ids_in_seq_order: Iterable[str]) -> str:
    """API.md rule 6: SHA-256 hex of the lowercase ids joined by "\\n", no trailing newline."""
    joined = "\n".join(record_id.lower() for record_id in record_ids_in_seq_order)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()
