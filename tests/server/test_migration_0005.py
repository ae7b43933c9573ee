"""Migration 0005 (issue 13, finding 1): times stored before the window was checked are
quarantined or cleared with a note, nothing is deleted, and every read works after it.

The rows are written at revision 0004 with plain SQL (the models describe the head
schema): on PostgreSQL the times a push could store then (year 10000 and year 0 in UTC,
which COPY took as text), on SQLite those its driver could (years 9999, 1 and 1999)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from medxam_server.config import Settings
from medxam_server.db.session import make_engine, transaction
from medxam_server.main import create_app
from medxam_server.migrate import upgrade
from medxam_server.models import (
    Attempt,
    AttemptQuestion,
    IntegrityAlert,
    QuarantinedRecord,
    SyncRecord,
)
from medxam_server.rules.receipt_codes import receipt_code
from tests.conftest import TEST_SECRET
from tests.server.conftest import make_user
from tests.server.read_all import read_all

NOW = datetime.now(UTC).replace(microsecond=0)
UUID = sa.Uuid(as_uuid=False)
STAMP = sa.DateTime(timezone=True)


UUID_COLUMNS = {
    "id",
    "exam_id",
    "group_id",
    "taker_id",
    "delivery_id",
    "question_id",
    "question_set_id",
    "attempt_id",
    "created_by",
    "workstation_id",
    "batch_id",
    "user_id",
    "by",
}


def _type(column: str, value: Any) -> Any:
    if column in UUID_COLUMNS:
        return UUID
    if isinstance(value, bool):
        return sa.Boolean
    if isinstance(value, int):
        return sa.BigInteger
    if isinstance(value, datetime):
        return STAMP
    if isinstance(value, list | dict):
        return sa.JSON
    return sa.String


def _insert(connection: sa.Connection, table_name: str, rows: list[dict[str, Any]]) -> None:
    """Rows written with Core, column types taken from their values."""
    columns = [sa.column(c, _type(c, v)) for c, v in rows[0].items()]
    connection.execute(sa.table(table_name, *columns).insert(), rows)


def seed(engine: Engine, late: str, early: str) -> dict[str, Any]:
    """A delivery with three finished attempts of one workstation; attempt ``bad`` had
    records with times ``late``/``early`` folded into it, ``good`` had none."""
    ids = {k: str(uuid.uuid4()) for k in ("user", "exam", "set", "q1", "q2", "group", "delivery")}
    ids |= {"ws": str(uuid.uuid4()), "batch": str(uuid.uuid4())}
    stamps = {"created_at": NOW, "updated_at": NOW}
    takers = [str(uuid.uuid4()) for _ in range(2)]
    attempts = {"good": str(uuid.uuid4()), "bad": str(uuid.uuid4())}
    with engine.begin() as c:
        _insert(
            c,
            "users",
            [
                {
                    "id": ids["user"],
                    "username": "old",
                    "full_name": "Old",
                    "role": "admin",
                    "password_hash": "x",
                    **stamps,
                }
            ],
        )
        _insert(
            c,
            "exams",
            [
                {
                    "id": ids["exam"],
                    "title": "E",
                    "description": "",
                    "duration_minutes": 60,
                    "pass_score_units": 0,
                    "shuffle_questions": False,
                    "shuffle_options": False,
                    "version": 1,
                    **stamps,
                }
            ],
        )
        _insert(c, "question_sets", [{"id": ids["set"], "title": "S", "description": "", **stamps}])
        options = [{"label": x, "text": x} for x in "ABCD"]
        _insert(
            c,
            "questions",
            [
                {
                    "id": ids[q],
                    "question_set_id": ids["set"],
                    "type": "single",
                    "stem": "?",
                    "options": options,
                    "key": ["B"],
                    "points_units": 1000,
                    "penalty_units": 0,
                    **stamps,
                }
                for q in ("q1", "q2")
            ],
        )
        _insert(
            c,
            "exam_questions",
            [
                {"exam_id": ids["exam"], "position": n, "question_id": ids[q]}
                for n, q in ((1, "q1"), (2, "q2"))
            ],
        )
        _insert(c, "groups", [{"id": ids["group"], "name": "G", "description": "", **stamps}])
        _insert(
            c,
            "takers",
            [
                {"id": t, "candidate_number": f"C{n}", "full_name": f"T{n}", **stamps}
                for n, t in enumerate(takers)
            ],
        )
        _insert(c, "group_members", [{"group_id": ids["group"], "taker_id": t} for t in takers])
        _insert(
            c,
            "deliveries",
            [
                {
                    "id": ids["delivery"],
                    "exam_id": ids["exam"],
                    "group_id": ids["group"],
                    "title": "D",
                    "opens_at": NOW - timedelta(hours=1),
                    "closes_at": NOW + timedelta(hours=3),
                    "start_code": "ABCD2345",
                    **stamps,
                }
            ],
        )
        _insert(c, "workstations", [{"id": ids["ws"], "high_water_mark": 8, "last_seen_at": NOW}])
        for n, attempt_id in enumerate(attempts.values()):
            _insert(
                c,
                "attempts",
                [
                    {
                        "id": attempt_id,
                        "delivery_id": ids["delivery"],
                        "exam_id": ids["exam"],
                        "taker_id": takers[n],
                        "workstation_id": ids["ws"],
                        "status": "finished",
                        "started_at": NOW,
                        "finished_at": NOW,
                        "score_units": 1000,
                        "penalty_units": 0,
                        "max_score_units": 2000,
                        "score_source": "auto",
                        "created_by": ids["user"],
                        "integrity": "complete",
                        "record_count": 3,
                        "digest": "0" * 64,
                        "receipt_code": receipt_code(TEST_SECRET.encode(), attempt_id, "0" * 64),
                        **stamps,
                    }
                ],
            )
            _insert(
                c,
                "attempt_questions",
                [
                    {
                        "attempt_id": attempt_id,
                        "question_id": ids["q1"],
                        "position": 1,
                        "answer": ["B"],
                        "time_spent_ms": 5,
                        "answered_at": NOW,
                        "flagged": False,
                        "is_correct": True,
                        "points_awarded_units": 1000,
                        "answer_seq": 4 * n + 2,
                        "time_seq": 4 * n + 2,
                        "answer_mask": 2,
                    }
                ],
            )
            records = [
                ("attempt.started", {"delivery_id": ids["delivery"], "taker_id": takers[n]}),
                (
                    "answer.saved",
                    {
                        "question_id": ids["q1"],
                        "answer": ["B"],
                        "time_spent_ms": 5,
                        "flagged": False,
                    },
                ),
                ("attempt.paused", {}),
                ("attempt.finished", {"record_count": 3, "digest": "0" * 64}),
            ]
            _insert(
                c,
                "sync_records",
                [
                    {
                        "id": str(uuid.uuid4()),
                        "workstation_id": ids["ws"],
                        "seq": 4 * n + i + 1,
                        "attempt_id": attempt_id,
                        "kind": kind,
                        "at": NOW,
                        "data": data,
                        "by": None,
                        "question_id": None,
                        "content_hash": "0" * 64,
                        "batch_id": ids["batch"],
                        "received_at": NOW,
                    }
                    for i, (kind, data) in enumerate(records)
                ],
            )
        bad = {"a": attempts["bad"], "late": late, "early": early}
        for statement in (
            "UPDATE attempts SET started_at = :late, finished_at = :early WHERE id = :a",
            "UPDATE attempt_questions SET answered_at = :late WHERE attempt_id = :a",
            "UPDATE sync_records SET at = :late WHERE attempt_id = :a AND seq IN (5, 8)",
            "UPDATE sync_records SET at = :early WHERE attempt_id = :a AND seq = 6",
        ):
            if engine.dialect.name == "sqlite":  # uuids are 32 hex digits there
                bad["a"] = uuid.UUID(attempts["bad"]).hex
            c.execute(sa.text(statement), bad)
    return {**ids, **attempts, "takers": takers}


def test_times_outside_the_window_are_quarantined_with_a_note_and_reads_work(
    empty_database_url: str, tmp_path: Path
) -> None:
    postgres = empty_database_url.startswith("postgresql")
    late, early = (
        ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00")
        if postgres
        else ("9999-12-31 23:59:59.000000", "0001-01-01 00:00:00.000000")
    )
    engine = make_engine(empty_database_url)
    upgrade(engine, "0004")
    ids = seed(engine, late, early)
    upgrade(engine)
    engine.dispose()

    settings = Settings(
        database_url=empty_database_url, data_dir=tmp_path / "srv", secret_key=TEST_SECRET
    )
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            admin = make_user(app, client, username="admin", role="admin")
            with transaction(app.state.session_factory) as session:
                codes = list(session.scalars(select(Attempt.receipt_code)))
                held = session.execute(
                    select(SyncRecord.attempt_id, SyncRecord.seq).order_by(SyncRecord.seq)
                ).all()
                kept = (
                    session.execute(select(QuarantinedRecord).order_by(QuarantinedRecord.seq))
                    .scalars()
                    .all()
                )
                alerts = session.scalars(select(IntegrityAlert)).all()
                bad = session.get(Attempt, ids["bad"])
                good = session.get(Attempt, ids["good"])
                bad_answer = session.scalar(
                    select(AttemptQuestion).where(AttemptQuestion.attempt_id == ids["bad"])
                )
            found = read_all(
                client,
                admin,
                delivery_ids=[ids["delivery"]],
                attempt_ids=[ids["good"], ids["bad"]],
                receipt_codes=[c for c in codes if c],
                filters=[f"taker_id={ids['takers'][1]}", f"exam_id={ids['exam']}"],
            )
            state = client.get(f"/api/sync/state?workstation_id={ids['ws']}", headers=admin.headers)
    finally:
        app.state.engine.dispose()

    assert set(found.values()) == {200}, found
    assert len(found) >= 14
    # The three bad records moved to quarantine, with the note; the others stay.
    assert [(str(a), s) for a, s in held] == [(ids["good"], s) for s in (1, 2, 3, 4)] + [
        (ids["bad"], 7)
    ]
    assert [(q.seq, q.attempt_id, q.reason) for q in kept] == [
        (5, ids["bad"], "malformed"),
        (6, ids["bad"], "malformed"),
        (8, ids["bad"], "malformed"),
    ]
    for q in kept:
        assert "migration 0005" in q.detail and "2000-01-01 and 9998-12-31" in q.detail
        assert q.payload["attempt_id"] == ids["bad"] and q.payload["seq"] == q.seq
        assert q.record_id == q.payload["id"] and q.workstation_id == ids["ws"]
    assert [q.payload["kind"] for q in kept] == [
        "attempt.started",
        "answer.saved",
        "attempt.finished",
    ]
    assert state.json()["high_water_mark"] == 8  # quarantined seqs are still held
    # The attempt's times are replaced by the server's, its answer time cleared; its
    # answer, score and receipt stay; an alert says what was done.
    assert bad is not None and good is not None
    assert bad.started_at == bad.created_at and bad.finished_at == bad.updated_at
    code = receipt_code(TEST_SECRET.encode(), ids["bad"], "0" * 64)
    assert (bad.score_units, bad.status, bad.receipt_code) == (1000, "finished", code)
    assert bad_answer is not None and bad_answer.answered_at is None
    assert bad_answer.answer == ["B"]
    assert good.started_at == NOW and good.finished_at == NOW
    [alert] = alerts
    assert (alert.kind, alert.attempt_id, alert.workstation_id) == (
        "bad_time",
        ids["bad"],
        ids["ws"],
    )
    for part in (
        "migration 0005",
        "seq 5",
        "seq 6",
        "seq 8",
        "started_at",
        "finished_at",
        "answered_at",
    ):
        assert part in alert.detail, alert.detail
