"""An attempt's history for admins: its lifecycle timeline and its score overrides.

The timeline is read from the attempt's kept sync records (lifecycle kinds only, in
``seq`` order). An attempt made online (endpoints 4/5) has no records: its start and
its end are taken from the attempt row, with ``seq`` null. Score overrides
(``score_audit``) follow the records, oldest first.

Scores in these views are decimal strings holding the same value the attempt's own
score fields show (``points.from_units``: points rounded to 6 decimals), written
without an exponent (``"41.5"``, ``"0.333333"``), so a client can read them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, ScoreAudit, SyncRecord, User
from medxam_server.rules.points import from_units
from medxam_server.services.attempts.lifecycle import get_attempt

LIFECYCLE_KINDS = (
    "attempt.started",
    "attempt.paused",
    "attempt.resumed",
    "attempt.time_extended",
    "attempt.incident",
    "attempt.terminated",
    "attempt.finished",
)
ENDING_KINDS = ("attempt.finished", "attempt.terminated")
SCORE_OVERRIDDEN = "score.overridden"


@dataclass(frozen=True, slots=True)
class AttemptEvent:
    """One step of the timeline. ``data`` is the event's payload as its kind defines it
    (a record's ``data`` as the workstation sent it), so it stays a mapping."""

    kind: str
    at: datetime
    seq: int | None = None
    received_at: datetime | None = None
    workstation_id: str | None = None
    by: str | None = None
    by_name: str | None = None
    question_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AttemptTimeline:
    attempt_id: str
    events: list[AttemptEvent]


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """One ``score_audit`` row; points as decimal text (``points_text``)."""

    changed_at: datetime
    changed_by: str
    changed_by_name: str | None
    old_score: str | None
    old_penalty: str | None
    new_score: str | None
    new_penalty: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ScoreHistory:
    attempt_id: str
    items: list[ScoreChange]  # newest first


def points_text(units: int | None) -> str | None:
    """Exact units as the decimal text of the number the attempt's JSON shows."""
    if units is None:
        return None
    return format(Decimal(repr(from_units(units))), "f")


def _record_events(session: Session, attempt_id: str) -> list[AttemptEvent]:
    rows = session.execute(
        select(SyncRecord, User.full_name)
        .outerjoin(User, User.id == SyncRecord.by)
        .where(SyncRecord.attempt_id == attempt_id, SyncRecord.kind.in_(LIFECYCLE_KINDS))
        .order_by(SyncRecord.seq, SyncRecord.at, SyncRecord.workstation_id)
    ).all()
    return [
        AttemptEvent(
            kind=record.kind,
            at=record.at,
            seq=record.seq,
            received_at=record.received_at,
            workstation_id=record.workstation_id,
            by=record.by,
            by_name=name,
            question_id=record.question_id,
            data=dict(record.data or {}),
        )
        for record, name in rows
    ]


def _row_events(
    attempt: Attempt, creator: str | None, held: set[str]
) -> tuple[list[AttemptEvent], list[AttemptEvent]]:
    """The start and the end the attempt row shows that no kept record carries."""

    def from_row(kind: str, at: datetime, data: dict[str, Any] | None = None) -> AttemptEvent:
        return AttemptEvent(
            kind=kind,
            at=at,
            workstation_id=attempt.workstation_id,
            by=attempt.created_by,
            by_name=creator,
            data=data or {},
        )

    before: list[AttemptEvent] = []
    after: list[AttemptEvent] = []
    if "attempt.started" not in held:
        data = {"delivery_id": attempt.delivery_id, "taker_id": attempt.taker_id}
        before.append(from_row("attempt.started", attempt.started_at, data))
    finished_at = attempt.finished_at if attempt.status != "in_progress" else None
    if finished_at is not None and not held.intersection(ENDING_KINDS):
        kind = "attempt.terminated" if attempt.status == "terminated" else "attempt.finished"
        after.append(from_row(kind, finished_at))
    return before, after


def _override_events(session: Session, attempt_id: str) -> list[AttemptEvent]:
    return [
        AttemptEvent(
            kind=SCORE_OVERRIDDEN,
            at=change.changed_at,
            by=change.changed_by,
            by_name=change.changed_by_name,
            data={
                "old_score": change.old_score,
                "old_penalty": change.old_penalty,
                "new_score": change.new_score,
                "new_penalty": change.new_penalty,
                "reason": change.reason,
            },
        )
        for change in reversed(_score_changes(session, attempt_id))
    ]


def attempt_events(session: Session, attempt_id: str) -> AttemptTimeline:
    """``GET /api/attempts/{id}/events``; ``NotFound`` for an unknown attempt."""
    attempt = get_attempt(session, attempt_id)
    records = _record_events(session, attempt.id)
    held = {event.kind for event in records}
    creator = None
    if "attempt.started" not in held or not held.intersection(ENDING_KINDS):
        creator = session.scalar(select(User.full_name).where(User.id == attempt.created_by))
    before, after = _row_events(attempt, creator, held)
    events = [*before, *records, *after, *_override_events(session, attempt.id)]
    return AttemptTimeline(attempt_id=attempt.id, events=events)


def _score_changes(session: Session, attempt_id: str) -> list[ScoreChange]:
    """The attempt's ``score_audit`` rows, newest first."""
    rows = session.execute(
        select(ScoreAudit, User.full_name)
        .outerjoin(User, User.id == ScoreAudit.changed_by)
        .where(ScoreAudit.attempt_id == attempt_id)
        .order_by(ScoreAudit.changed_at.desc(), ScoreAudit.id.desc())
    ).all()
    return [
        ScoreChange(
            changed_at=audit.changed_at,
            changed_by=audit.changed_by,
            changed_by_name=name,
            old_score=points_text(audit.old_score_units),
            old_penalty=points_text(audit.old_penalty_units),
            new_score=points_text(audit.new_score_units),
            new_penalty=points_text(audit.new_penalty_units),
            reason=audit.reason,
        )
        for audit, name in rows
    ]


def score_history(session: Session, attempt_id: str) -> ScoreHistory:
    """``GET /api/attempts/{id}/score-history``; ``NotFound`` for an unknown attempt."""
    attempt = get_attempt(session, attempt_id)
    return ScoreHistory(attempt_id=attempt.id, items=_score_changes(session, attempt.id))
