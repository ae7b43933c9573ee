"""Finding 1 of issue 13: times outside the years 2000-9998 (in UTC) never reach an
attempt, and no read endpoint fails because of a stored time."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from medxam_server.config import Settings
from medxam_server.db.session import transaction
from medxam_server.main import create_app
from medxam_server.models import QuarantinedRecord
from medxam_server.rules.records import MALFORMED, Rejection, validate_record
from tests.conftest import TEST_SECRET, _libpq
from tests.server.conftest import SignedIn, make_user
from tests.server.factories import Setup, make_setup, single
from tests.server.read_all import read_all
from tests.server.workstation_sim import WorkstationSim, push

LATE = "9999-12-31T23:59:59-14:00"  # year 10000 in UTC
EARLY = "0001-01-01T00:00:00+14:00"  # year 0 in UTC
OUTSIDE = [
    LATE,
    EARLY,
    "9999-12-31T23:59:59Z",
    "9999-01-01T00:00:00Z",
    "1999-12-31T23:59:59.999999Z",
    "2000-01-01T00:00:00+01:00",  # 1999 in UTC
    "9998-12-31T23:59:59-00:01",  # 9999 in UTC
    "1970-01-01T00:00:00Z",
]
BAD_OFFSETS = [  # Python reads them, PostgreSQL not past 15:59: a whole batch failed
    "2026-11-24T09:00:00+14:01",
    "2026-11-24T09:00:00+20:00",
    "2026-11-24T09:00:00-23:59",
]
INSIDE = [
    "2026-11-24T09:00:00+14:00",
    "2026-11-24T09:00:00-14:00",
    "2026-11-24T09:00:00+00:00",
    "2000-01-01T00:00:00Z",
    "2000-01-01T00:00:00-01:00",
    "9998-12-31T23:59:59.999999Z",
    "9999-01-01T13:59:59+14:00",  # 9998-12-31T23:59:59 in UTC
    "2026-11-24T09:00:00+05:30",
]


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B"), single("A")], takers=2)


def record(kind: str, at: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "answer.saved": {
            "question_id": str(uuid.uuid4()),
            "answer": ["A"],
            "time_spent_ms": 5,
            "flagged": False,
        },
        "attempt.paused": {},
    }[kind]
    return {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "attempt_id": str(uuid.uuid4()),
        "kind": kind,
        "at": at,
        "data": data,
    }


@pytest.mark.parametrize("kind", ["answer.saved", "attempt.paused"])  # fast path and general
@pytest.mark.parametrize("at", OUTSIDE)
def test_validation_refuses_a_time_outside_the_window(kind: str, at: str) -> None:
    checked = validate_record(record(kind, at))
    assert isinstance(checked, Rejection)
    assert checked.reason == MALFORMED
    assert checked.detail == "at must be between 2000-01-01 and 9998-12-31 (UTC)"


@pytest.mark.parametrize("kind", ["answer.saved", "attempt.paused"])
@pytest.mark.parametrize("at", BAD_OFFSETS)
def test_validation_refuses_an_offset_past_14_hours(kind: str, at: str) -> None:
    checked = validate_record(record(kind, at))
    assert isinstance(checked, Rejection)
    assert checked.reason == MALFORMED
    assert checked.detail == "at must have an offset between -14:00 and +14:00"


@pytest.mark.parametrize("kind", ["answer.saved", "attempt.paused"])
@pytest.mark.parametrize("at", INSIDE)
def test_validation_keeps_a_time_inside_the_window(kind: str, at: str) -> None:
    checked = validate_record(record(kind, at))
    assert not isinstance(checked, Rejection), checked
    assert checked.at_text == at


def whole_attempt(
    ws: WorkstationSim, setup: Setup, taker: int, at: dict[str, str]
) -> tuple[str, list[dict[str, Any]]]:
    """An attempt's records, with ``at`` replaced per kind as given."""
    attempt_id = str(uuid.uuid4())
    first = len(ws.records)
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[taker])
    ws.answer(attempt_id, setup.question_ids[0], ["B"])
    ws.answer(attempt_id, setup.question_ids[1], ["C"])
    ws.finish(attempt_id)
    records = ws.records[first:]
    for one in records:
        one["at"] = at.get(one["kind"], one["at"])
    return attempt_id, records


@pytest.mark.parametrize("bad", [LATE, EARLY, "2026-11-24T09:00:00+20:00"])
@pytest.mark.parametrize("kind", ["attempt.started", "answer.saved", "attempt.finished"])
def test_a_time_outside_the_window_is_malformed_and_every_read_still_works(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup,
    kind: str, bad: str,
) -> None:  # fmt: skip
    ws = WorkstationSim()
    good_id, good_records = whole_attempt(ws, setup, 1, {})
    bad_id, records = whole_attempt(ws, setup, 0, {kind: bad})
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    body = response.json()
    results = {r["id"]: r for r in body["results"]}
    for one in good_records:
        assert results[one["id"]]["status"] == "accepted"
    for one in records:  # the rest of the batch applies
        result = results[one["id"]]
        if one["kind"] == kind:
            assert (result["status"], result["reason"]) == ("rejected", "malformed")
            assert result["detail"] in (
                "at must be between 2000-01-01 and 9998-12-31 (UTC)",
                "at must have an offset between -14:00 and +14:00",
            )
        else:
            assert result["status"] == "accepted"
    with transaction(app.state.session_factory) as session:
        kept = session.scalars(
            select(QuarantinedRecord.payload).where(QuarantinedRecord.attempt_id == bad_id)
        ).all()
    assert [p["at"] for p in kept] == [bad] * sum(r["kind"] == kind for r in records)
    codes = [s["receipt_code"] for s in body["attempts"] if s["receipt_code"]]
    assert len(codes) == (2 if kind == "answer.saved" else 1)
    found = read_all(
        client,
        admin,
        delivery_ids=[setup.delivery_id],
        attempt_ids=[good_id, bad_id],
        receipt_codes=codes,
        filters=[f"taker_id={setup.taker_ids[0]}", f"exam_id={setup.exam_id}&completed=true"],
    )
    no_attempt = kind == "attempt.started"  # its start is in quarantine: no attempt yet
    for path, status in found.items():
        assert status == (404 if no_attempt and bad_id in path else 200), (path, status)


def test_a_stored_time_off_the_scale_does_not_fail_a_read(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup,
    database_url: str,
) -> None:  # fmt: skip
    """Times written before the window was checked: on PostgreSQL year 10000 and year 0
    in UTC (read as the nearest time Python holds), on SQLite years 1 and 9999."""
    ws = WorkstationSim()
    attempt_id, _ = whole_attempt(ws, setup, 0, {})
    response = push(client, proctor, ws.id, ws.records)
    code = response.json()["attempts"][0]["receipt_code"]
    late, early = (LATE, EARLY) if database_url.startswith("postgresql") else (
        "9999-12-31 23:59:59.999999", "0001-01-01 00:00:00.000000"
    )  # fmt: skip
    with transaction(app.state.session_factory) as session:
        for statement in (
            "UPDATE attempts SET started_at = :late, finished_at = :early",
            "UPDATE attempt_questions SET answered_at = :late",
            "UPDATE sync_records SET at = :early",
        ):
            session.execute(text(statement), {"late": late, "early": early})
    found = read_all(
        client,
        admin,
        delivery_ids=[setup.delivery_id],
        attempt_ids=[attempt_id],
        receipt_codes=[code],
        filters=[f"taker_id={setup.taker_ids[0]}"],
    )
    assert set(found.values()) == {200}, found
    attempt = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    assert attempt["started_at"].startswith("9999-12-31T23:59:59.999999")
    assert attempt["finished_at"].startswith("0001-01-01T00:00:00")


def test_a_stored_time_read_in_a_session_west_of_utc_does_not_fail_a_read(
    postgres_url: str, tmp_path: Path
) -> None:
    """A PostgreSQL whose time zone is west of UTC hands year 10000 (UTC) over as
    9999-12-31 in its zone; converting that to UTC overflowed (500)."""
    with psycopg.connect(_libpq(postgres_url), autocommit=True) as connection:
        name = connection.info.dbname
        connection.execute(f"ALTER DATABASE \"{name}\" SET timezone = 'Etc/GMT+12'")  # -12:00
    settings = Settings(database_url=postgres_url, data_dir=tmp_path / "s", secret_key=TEST_SECRET)
    app = create_app(settings)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            admin = make_user(app, client, username="admin", role="admin")
            with transaction(app.state.session_factory) as session:
                setup = make_setup(session, questions=[single("B"), single("A")])
            ws = WorkstationSim()
            attempt_id, _ = whole_attempt(ws, setup, 0, {})
            assert push(client, admin, ws.id, ws.records).status_code == 200
            with transaction(app.state.session_factory) as session:
                session.execute(text("UPDATE attempts SET started_at = '10000-01-01 01:00:00+00'"))
            found = read_all(
                client, admin, delivery_ids=[setup.delivery_id], attempt_ids=[attempt_id]
            )
            attempt = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    finally:
        app.state.engine.dispose()
    assert set(found.values()) == {200}, found
    assert attempt["started_at"].startswith("9999-12-31T23:59:59.999999")
