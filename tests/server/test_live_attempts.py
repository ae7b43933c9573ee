"""Issue 13, finding 2: one live attempt per taker and delivery, online and by sync, and
no score for proctors; finding 7 (part): the online API keeps the delivery's time window."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from medxam_server.db.session import transaction
from medxam_server.models import Attempt, Delivery, QuarantinedRecord, utcnow
from medxam_server.services.attempts import start_checks
from medxam_server.services.sync import attempt_rows
from tests.server.conftest import SignedIn, row_count
from tests.server.factories import Setup, make_attempt, make_setup, multiple, single
from tests.server.workstation_sim import WorkstationSim, push, statuses

SCORE_FIELDS = ("score", "penalty", "total", "max_score", "percent", "passed")
PROBLEM = "application/problem+json"


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn, proctor: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B"), multiple("A", "C")], takers=2)


def start(client: TestClient, who: SignedIn, setup: Setup, **extra: Any) -> Any:
    body = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[0], **extra}
    return client.post("/api/attempts/start", json=body, headers=who.headers)


def test_a_second_start_for_the_taker_is_409_naming_the_existing_attempt(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    chosen = str(uuid.uuid4())
    first = start(client, proctor, setup, id=chosen)
    assert first.status_code == 201, first.text
    assert start(client, proctor, setup, id=chosen).status_code == 200  # the same start
    for who, extra in ((proctor, {}), (proctor, {"id": str(uuid.uuid4())}), (admin, {})):
        again = start(client, who, setup, **extra)
        assert again.status_code == 409, again.text
        assert again.headers["content-type"] == PROBLEM
        assert again.json()["attempt_id"] == chosen
    other_taker = start(client, proctor, setup, taker_id=setup.taker_ids[1])
    assert other_taker.status_code == 201
    assert row_count(app, Attempt) == 2


def test_only_an_admin_starts_a_resit_and_only_after_a_terminated_attempt(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    with transaction(app.state.session_factory) as session:
        ended = make_attempt(session, setup=setup, created_by=proctor.user_id, status="terminated")
    refused = start(client, proctor, setup)
    assert refused.status_code == 409 and refused.json()["attempt_id"] == ended
    assert "admin" in refused.json()["detail"]
    resit = start(client, admin, setup)
    assert resit.status_code == 201, resit.text
    for who in (proctor, admin):  # the re-sit is live now
        again = start(client, who, setup)
        assert again.status_code == 409 and again.json()["attempt_id"] == resit.json()["id"]
    with transaction(app.state.session_factory) as session:
        sittings = session.scalars(select(Attempt.sitting).order_by(Attempt.sitting)).all()
    assert sittings == [1, 2]


def _check_passed_by_all(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None]) -> None:
    """Make every start pass the service's own check (as two starts at the same moment
    would), after ``before``: only the database's unique index is left to refuse one."""
    original = start_checks.next_sitting

    def first_sitting(*args: Any, **kwargs: Any) -> int:
        before()
        original(*args, **kwargs)  # sees no attempt yet
        return 1

    monkeypatch.setattr(start_checks, "next_sitting", first_sitting)


def test_the_database_refuses_a_second_attempt_the_check_let_through(
    app: FastAPI,
    client: TestClient,
    proctor: SignedIn,
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = start(client, proctor, setup)
    assert first.status_code == 201
    monkeypatch.setattr(start_checks, "next_sitting", lambda *_a, **_k: 1)
    second = start(client, proctor, setup)
    assert second.status_code == 409, second.text
    assert second.json()["attempt_id"] == first.json()["id"]
    assert row_count(app, Attempt) == 1


def test_two_starts_at_the_same_moment_one_201_one_409(
    app: FastAPI,
    client: TestClient,
    proctor: SignedIn,
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two threads; both pass the service's check together (a barrier), so the database
    decides: on PostgreSQL the second insert waits on the unique index for the first
    transaction, then fails and answers 409 with the winner's id."""
    barrier = threading.Barrier(2, timeout=20)
    _check_passed_by_all(monkeypatch, barrier.wait)
    answers: list[Any] = [None, None]

    def run(index: int) -> None:
        answers[index] = start(client, proctor, setup)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    codes = sorted(a.status_code for a in answers)
    assert codes == [201, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 201).json()["id"]
    assert next(a for a in answers if a.status_code == 409).json()["attempt_id"] == won
    assert row_count(app, Attempt) == 1


def test_proctors_see_no_score_in_any_attempt_answer_admins_do(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    started = start(client, proctor, setup)
    attempt_id = started.json()["id"]
    q1 = setup.question_ids[0]
    body = {
        "question_id": q1,
        "answer": ["B"],
        "time_spent_ms": 10,
        "answered_at": "2026-11-24T09:00:00Z",
    }
    assert client.post(f"/api/attempts/{attempt_id}/answer", json=body, headers=proctor.headers)
    finished = client.post(f"/api/attempts/{attempt_id}/finish", headers=proctor.headers)
    url = f"/api/attempts/{attempt_id}"
    seen = [
        started.json(),
        finished.json(),
        client.get(url, headers=proctor.headers).json(),
        client.get(f"{url}/details", headers=proctor.headers).json(),
        *client.get("/api/attempts", headers=proctor.headers).json()["items"],
    ]
    for view in seen:
        assert {name: view[name] for name in SCORE_FIELDS} == dict.fromkeys(SCORE_FIELDS)
    graded = client.get(f"{url}/answers", headers=proctor.headers).json()
    assert all(a["is_correct"] is None and a["points_awarded"] is None for a in graded)
    as_admin = client.get(url, headers=admin.headers).json()
    assert (as_admin["score"], as_admin["max_score"], as_admin["passed"]) == (1, 2, True)
    details = client.get(f"{url}/details", headers=admin.headers).json()
    assert details["total"] == 1 and details["percent"] == 50


def _move_window(app: FastAPI, setup: Setup, *, opens: timedelta, closes: timedelta) -> None:
    now = utcnow()
    with transaction(app.state.session_factory) as session:
        session.execute(
            update(Delivery)
            .where(Delivery.id == setup.delivery_id)
            .values(opens_at=now + opens, closes_at=now + closes)
        )


def test_starts_only_within_the_delivery_window(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    _move_window(app, setup, opens=timedelta(minutes=5), closes=timedelta(hours=2))
    early = start(client, proctor, setup)
    assert early.status_code == 409 and "opens" in early.json()["detail"]
    _move_window(app, setup, opens=timedelta(hours=-3), closes=timedelta(minutes=-1))
    for who in (proctor, admin):
        late = start(client, who, setup)
        assert late.status_code == 409 and "closed" in late.json()["detail"]
        assert late.headers["content-type"] == PROBLEM
    assert row_count(app, Attempt) == 0
    _move_window(app, setup, opens=timedelta(hours=-1), closes=timedelta(hours=1))
    chosen = str(uuid.uuid4())
    assert start(client, proctor, setup, id=chosen).status_code == 201
    _move_window(app, setup, opens=timedelta(hours=-3), closes=timedelta(minutes=-1))
    assert start(client, proctor, setup, id=chosen).status_code == 200  # the same start again


def test_answers_until_close_plus_the_exam_duration_and_finishing_always(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    attempt_id = start(client, proctor, setup).json()["id"]
    q1 = setup.question_ids[0]

    def answer() -> Any:
        body = {
            "question_id": q1,
            "answer": ["B"],
            "time_spent_ms": 10,
            "answered_at": "2026-11-24T09:00:00Z",
        }
        return client.post(f"/api/attempts/{attempt_id}/answer", json=body, headers=proctor.headers)

    # The exam lasts 60 minutes (factories.make_exam): closed 30 minutes ago is in grace.
    _move_window(app, setup, opens=timedelta(hours=-3), closes=timedelta(minutes=-30))
    assert answer().status_code == 200
    _move_window(app, setup, opens=timedelta(hours=-3), closes=timedelta(minutes=-61))
    late = answer()
    assert late.status_code == 409 and late.headers["content-type"] == PROBLEM
    finished = client.post(f"/api/attempts/{attempt_id}/finish", headers=proctor.headers)
    assert finished.status_code == 200 and finished.json()["status"] == "finished"


def test_sync_quarantines_a_second_attempt_for_the_taker_and_keeps_the_batch(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    online = start(client, proctor, setup).json()["id"]
    ws, second, third = WorkstationSim(), str(uuid.uuid4()), str(uuid.uuid4())
    ws.start(second, setup.delivery_id, setup.taker_ids[0])  # has the online attempt
    ws.start(third, setup.delivery_id, setup.taker_ids[1])  # first for this taker: fine
    fourth = str(uuid.uuid4())
    ws.start(fourth, setup.delivery_id, setup.taker_ids[1])  # second in the same batch
    ws.answer(third, setup.question_ids[0], ["B"])
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    assert statuses(response) == ["rejected", "accepted", "rejected", "accepted"]
    results = response.json()["results"]
    assert {results[0]["reason"], results[2]["reason"]} == {"taker_has_attempt"}
    assert online in results[0]["detail"] and third in results[2]["detail"]
    with transaction(app.state.session_factory) as session:
        kept = session.scalars(select(QuarantinedRecord.reason)).all()
        assert sorted(kept) == ["taker_has_attempt"] * 2
        ids = set(session.scalars(select(Attempt.id)).all())
    assert ids == {online, third}


@pytest.mark.postgres
def test_a_batch_that_loses_the_start_race_runs_again_and_quarantines(
    app: FastAPI,
    client: TestClient,
    proctor: SignedIn,
    setup: Setup,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another transaction commits an attempt for the taker after the batch's checks:
    the batch's insert fails on the unique index, and the batch is run again (not a 500)."""
    if app.state.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock for the whole batch: no such race")
    original = attempt_rows.insert_attempts
    rival = str(uuid.uuid4())
    calls = []

    def insert_after_a_rival(session: Any, attempts: Any) -> None:
        rows = list(attempts)
        if not calls:
            with transaction(app.state.session_factory) as other:
                other.add(
                    Attempt(
                        id=rival,
                        delivery_id=setup.delivery_id,
                        exam_id=setup.exam_id,
                        taker_id=setup.taker_ids[0],
                        status="in_progress",
                        started_at=utcnow(),
                        created_by=proctor.user_id,
                    )
                )
        calls.append(len(rows))
        original(session, rows)

    monkeypatch.setattr(attempt_rows, "insert_attempts", insert_after_a_rival)
    ws, mine = WorkstationSim(), str(uuid.uuid4())
    ws.start(mine, setup.delivery_id, setup.taker_ids[0])
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    assert response.json()["results"][0]["reason"] == "taker_has_attempt"
    assert calls == [1, 0]  # ran twice; the second time the start was quarantined
