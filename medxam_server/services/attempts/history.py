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


def points_text(units: int | None) -> str | None:
    """Exact units as the decimal text of the number the attempt's JSON shows."""
    if units is None:
        return None
    return format(Decimal(repr(from_units(units))), "f")


def _event(
    *,
    kind: str,
    at: datetime,
    seq: int | None = None,
    received_at: datetime | None = None,
    workstation_id: str | None = None,
    by: str | None = None,
    by_name: str | None = None,
    question_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "seq": seq,
        "kind": kind,
        "at": at,
        "received_at": received_at,
        "workstation_id": workstation_id,
        "by": by,
        "by_name": by_name,
        "question_id": question_id,
        "data": data or {},
    }


def _record_events(session: Session, attempt_id: str) -> list[dict[str, Any]]:
    rows = session.execute(
        select(SyncRecord, User.full_name)
        .outerjoin(User, User.id == SyncRecord.by)
        .where(SyncRecord.attempt_id == attempt_id, SyncRecord.kind.in_(LIFECYCLE_KINDS))
        .order_by(SyncRecord.seq, SyncRecord.at, SyncRecord.workstation_id)
    ).all()
    return [
        _event(
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
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The start and the end the attempt row shows that no kept record carries."""
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    ws, by = attempt.workstation_id, attempt.created_by
    if "attempt.started" not in held:
        data = {"delivery_id": attempt.delivery_id, "taker_id": attempt.taker_id}
        start = _event(kind="attempt.started", at=attempt.started_at, data=data)
        before.append({**start, "workstation_id": ws, "by": by, "by_name": creator})
    finished_at = attempt.finished_at if attempt.status != "in_progress" else None
    if finished_at is not None and not held.intersection(ENDING_KINDS):
        kind = "attempt.terminated" if attempt.status == "terminated" else "attempt.finished"
        end = _event(kind=kind, at=finished_at)
        after.append({**end, "workstation_id": ws, "by": by, "by_name": creator})
    return before, after


def _override_events(session: Session, attempt_id: str) -> list[dict[str, Any]]:
    return [
        _event(
            kind=SCORE_OVERRIDDEN,
            at=item["changed_at"],
            by=item["changed_by"],
            by_name=item["changed_by_name"],
            data={
                "old_score": item["old_score"],
                "old_penalty": item["old_penalty"],
                "new_score": item["new_score"],
                "new_penalty": item["new_penalty"],
                "reason": item["reason"],
            },
        )
        for item in reversed(_audit_items(session, attempt_id))
    ]


def attempt_events(session: Session, attempt_id: str) -> dict[str, Any]:
    """``GET /api/attempts/{id}/events``; ``NotFound`` for an unknown attempt."""
    attempt = get_attempt(session, attempt_id)
    records = _record_events(session, attempt.id)
    held = {event["kind"] for event in records}
    creator = None
    if "attempt.started" not in held or not held.intersection(ENDING_KINDS):
        creator = session.scalar(select(User.full_name).where(User.id == attempt.created_by))
    before, after = _row_events(attempt, creator, held)
    events = [*before, *records, *after, *_override_events(session, attempt.id)]
    return {"attempt_id": attempt.id, "events": events}


def _audit_items(session: Session, attempt_id: str) -> list[dict[str, Any]]:
    """The attempt's ``score_audit`` rows, newest first."""
    rows = session.execute(
        select(ScoreAudit, User.full_name)
        .outerjoin(User, User.id == ScoreAudit.changed_by)
        .where(ScoreAudit.attempt_id == attempt_id)
        .order_by(ScoreAudit.changed_at.desc(), ScoreAudit.id.desc())
    ).all()
    return [
        {
            "changed_at": audit.changed_at,
            "changed_by": audit.changed_by,
            "changed_by_name": name,
            "old_score": points_text(audit.old_score_units),
            "old_penalty": points_text(audit.old_penalty_units),
            "new_score": points_text(audit.new_score_units),
            "new_penalty": points_text(audit.new_penalty_units),
            "reason": audit.reason,
        }
        for audit, name in rows
    ]


def score_history(session: Session, attempt_id: str) -> dict[str, Any]:
    """``GET /api/attempts/{id}/score-history``; ``NotFound`` for an unknown attempt."""
    attempt = get_attempt(session, attempt_id)
    return {"attempt_id": attempt.id, "items": _audit_items(session, attempt.id)}
