"""Stored times outside 2000-01-01..9998-12-31 UTC are quarantined or cleared, with a note
(issue 13, finding 1).

Before the window was checked, PostgreSQL took any RFC 3339 time in a sync record (COPY
reads the text), so a record could hold year 10000 or year 0 in UTC, and every read
that met such a time, or the attempt and answers made from it, answered 422. Nothing is
deleted; what was stored is kept where an admin can see it:

- A sync record whose ``at`` is outside the window moves to ``quarantine`` (reason
  ``malformed``, the record as payload, a detail saying why and when), exactly as if it
  had been refused on arrival. A quarantined record still counts as held for the
  workstation's high-water mark and the attempt's integrity, so neither changes.
- An attempt's ``started_at`` outside the window becomes its ``created_at`` (when the
  server made it) and ``finished_at`` its ``updated_at``; an answer's ``answered_at``
  outside the window becomes null. The answers themselves, scores and receipts stay as
  they are: a time is evidence only, and a candidate's answers are not undone because a
  workstation's clock was wrong (or forged). A later rebuild of such an attempt (when
  another of its records arrives) folds only the records still held, as for any record
  refused on arrival.
- Each attempt touched gets an integrity alert (kind ``bad_time``) listing what was
  moved or changed, with the old values, for an admin to review.

The downgrade leaves the data as it is (the quarantine keeps the records).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WINDOW = "2000-01-01..9998-12-31 UTC"
ALERT = "bad_time"
UUID = sa.Uuid(as_uuid=False)
STAMP = sa.DateTime(timezone=True)

_records = sa.table(
    "sync_records",
    sa.column("id", UUID),
    sa.column("workstation_id", UUID),
    sa.column("seq", sa.BigInteger),
    sa.column("attempt_id", UUID),
    sa.column("kind", sa.String),
    sa.column("at", STAMP),
    sa.column("data", sa.JSON),
    sa.column("by", UUID),
    sa.column("question_id", UUID),
    sa.column("batch_id", UUID),
    sa.column("received_at", STAMP),
)
_quarantine = sa.table(
    "quarantine",
    sa.column("record_id", sa.String),
    sa.column("workstation_id", sa.String),
    sa.column("batch_id", UUID),
    sa.column("seq", sa.BigInteger),
    sa.column("attempt_id", sa.String),
    sa.column("reason", sa.String),
    sa.column("detail", sa.Text),
    sa.column("payload", sa.JSON().with_variant(JSONB(), "postgresql")),
    sa.column("received_at", STAMP),
)
_attempts = sa.table(
    "attempts",
    sa.column("id", UUID),
    sa.column("workstation_id", UUID),
    sa.column("started_at", STAMP),
    sa.column("finished_at", STAMP),
    sa.column("created_at", STAMP),
    sa.column("updated_at", STAMP),
)
_answers = sa.table(
    "attempt_questions",
    sa.column("attempt_id", UUID),
    sa.column("question_id", UUID),
    sa.column("answered_at", STAMP),
)
_alerts = sa.table(
    "integrity_alerts",
    sa.column("kind", sa.String),
    sa.column("attempt_id", sa.String),
    sa.column("record_id", sa.String),
    sa.column("workstation_id", sa.String),
    sa.column("detail", sa.Text),
    sa.column("created_at", STAMP),
)


def _outside(column: sa.ColumnClause[Any], postgres: bool) -> sa.ColumnElement[bool]:
    """``column`` (not null) is outside the window. SQLite keeps UTC times as text
    ('YYYY-MM-DD HH:MM:SS.ffffff'), compared as text; anything not in that shape is
    outside too."""
    if postgres:
        return sa.or_(
            column < sa.text("TIMESTAMPTZ '2000-01-01 00:00:00+00'"),
            column >= sa.text("TIMESTAMPTZ '9999-01-01 00:00:00+00'"),
        )
    as_text = sa.cast(column, sa.Text)
    return sa.not_(
        sa.and_(
            sa.func.substr(as_text, 5, 1) == "-",
            as_text >= "2000-01-01",
            as_text < "9999-01-01",
        )
    )


def _text(column: sa.ColumnClause[Any]) -> sa.ColumnElement[str]:
    """The stored time as text: PostgreSQL writes any timestamptz, Python may not hold it."""
    return sa.cast(column, sa.Text).label(column.name)


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    now = datetime.now(UTC)
    notes: dict[str, list[str]] = defaultdict(list)  # attempt id -> what was done
    workstation_of: dict[str, str] = {}

    records = connection.execute(
        sa.select(
            _records.c.id,
            _records.c.workstation_id,
            _records.c.seq,
            _records.c.attempt_id,
            _records.c.kind,
            _text(_records.c.at),
            _records.c.data,
            _records.c.by,
            _records.c.question_id,
            _records.c.batch_id,
            _records.c.received_at,
        ).where(_outside(_records.c.at, postgres))
    ).all()
    rows = []
    for r in records:
        payload: dict[str, Any] = {
            "id": r.id,
            "seq": r.seq,
            "attempt_id": r.attempt_id,
            "kind": r.kind,
            "at": r.at,
            "data": r.data,
        }
        if r.by is not None:
            payload["by"] = r.by
        if r.question_id is not None:
            payload["question_id"] = r.question_id
        rows.append(
            {
                "record_id": r.id,
                "workstation_id": r.workstation_id,
                "batch_id": r.batch_id,
                "seq": r.seq,
                "attempt_id": r.attempt_id,
                "reason": "malformed",
                "detail": f"at must be between 2000-01-01 and 9998-12-31 (UTC); it was "
                f"{r.at}. Kept with its attempt until migration 0005 (issue 13, finding 1) "
                f"moved it here on {now:%Y-%m-%d}; it no longer counts for its attempt.",
                "payload": payload,
                "received_at": r.received_at,
            }
        )
        notes[r.attempt_id].append(f"record seq {r.seq} ({r.kind}, at {r.at}) quarantined")
        workstation_of.setdefault(r.attempt_id, r.workstation_id)
    if rows:
        connection.execute(_quarantine.insert(), rows)
        ids = [r.id for r in records]
        for start in range(0, len(ids), 500):
            connection.execute(_records.delete().where(_records.c.id.in_(ids[start : start + 500])))

    for attempt_id, ws, old in connection.execute(
        sa.select(_attempts.c.id, _attempts.c.workstation_id, _text(_attempts.c.started_at)).where(
            _outside(_attempts.c.started_at, postgres)
        )
    ).all():
        notes[attempt_id].append(f"started_at {old} replaced by the attempt's creation time")
        workstation_of.setdefault(attempt_id, ws)
    connection.execute(
        sa.update(_attempts)
        .where(_outside(_attempts.c.started_at, postgres))
        .values(started_at=_attempts.c.created_at)
    )
    for attempt_id, ws, old in connection.execute(
        sa.select(_attempts.c.id, _attempts.c.workstation_id, _text(_attempts.c.finished_at)).where(
            _attempts.c.finished_at.is_not(None), _outside(_attempts.c.finished_at, postgres)
        )
    ).all():
        notes[attempt_id].append(f"finished_at {old} replaced by the attempt's last update time")
        workstation_of.setdefault(attempt_id, ws)
    connection.execute(
        sa.update(_attempts)
        .where(_attempts.c.finished_at.is_not(None), _outside(_attempts.c.finished_at, postgres))
        .values(finished_at=_attempts.c.updated_at)
    )
    for attempt_id, question_id, old in connection.execute(
        sa.select(
            _answers.c.attempt_id, _answers.c.question_id, _text(_answers.c.answered_at)
        ).where(_answers.c.answered_at.is_not(None), _outside(_answers.c.answered_at, postgres))
    ).all():
        notes[attempt_id].append(f"answered_at {old} of question {question_id} cleared")
    connection.execute(
        sa.update(_answers)
        .where(_answers.c.answered_at.is_not(None), _outside(_answers.c.answered_at, postgres))
        .values(answered_at=None)
    )

    alerts = [
        {
            "kind": ALERT,
            "attempt_id": attempt_id,
            "record_id": None,
            "workstation_id": workstation_of.get(attempt_id),
            "detail": f"Times outside {WINDOW} (issue 13, finding 1), by migration 0005: "
            + "; ".join(done)
            + ". The answers and score were left as they were; review the attempt.",
            "created_at": now,
        }
        for attempt_id, done in sorted(notes.items())
    ]
    if alerts:
        connection.execute(_alerts.insert(), alerts)


def downgrade() -> None:
    pass  # the quarantined records and cleared times stay as they are: nothing is lost
