"""Issue 12: the receipt code an attempt's batch sync returned is listed to admins, in the
results' ``attempts[]`` (and results.csv) and in the attempt object; null for an attempt
without a synced finish, and null for proctors (like the scores: a code looks the attempt
up). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server.db.session import transaction
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, single
from tests.server.workstation_sim import WorkstationSim, push

ATTEMPT_ENDS = ("", "/details")


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn, proctor: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B"), single("A")], takers=4)


@pytest.fixture
def pushed(client: TestClient, proctor: SignedIn, setup: Setup) -> dict[str, str | None]:
    """Attempt id -> the receipt code the push returned: a finished attempt, one still in
    progress, one whose finish counts a record the server never got (incomplete), and one
    started and finished online (no sync at all: absent here)."""
    ws = WorkstationSim()
    done, running, short = (str(uuid.uuid4()) for _ in range(3))
    for attempt_id, taker in ((done, 0), (running, 1), (short, 2)):
        ws.start(attempt_id, setup.delivery_id, setup.taker_ids[taker])
        ws.answer(attempt_id, setup.question_ids[0], ["B"])
    ws.finish(done)
    ws.finish(short, extra_count=1)
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    codes = {a["attempt_id"]: a["receipt_code"] for a in response.json()["attempts"]}
    assert codes[done] and codes[short] and codes[done] != codes[short]
    assert codes[running] is None
    online = start_and_finish_online(client, proctor, setup)
    return codes | {"online": online}


def start_and_finish_online(client: TestClient, who: SignedIn, setup: Setup) -> str:
    body = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[3]}
    started = client.post("/api/attempts/start", json=body, headers=who.headers)
    assert started.status_code == 201, started.text
    attempt_id: str = started.json()["id"]
    finished = client.post(f"/api/attempts/{attempt_id}/finish", headers=who.headers)
    assert finished.status_code == 200, finished.text
    return attempt_id


def expected(pushed: dict[str, str | None]) -> dict[str, str | None]:
    """Attempt id -> the code each endpoint must list for it."""
    codes = {aid: code for aid, code in pushed.items() if aid != "online"}
    online = pushed["online"]
    assert online is not None
    return codes | {online: None}


def test_results_rows_carry_the_code_the_push_returned(
    client: TestClient, admin: SignedIn, setup: Setup, pushed: dict[str, str | None]
) -> None:
    path = f"/api/deliveries/{setup.delivery_id}/results"
    response = client.get(path, headers=admin.headers)
    assert response.status_code == 200, response.text
    rows = response.json()["attempts"]
    assert {row["attempt_id"]: row["receipt_code"] for row in rows} == expected(pushed)
    integrity = {row["receipt_code"]: row["integrity"] for row in rows if row["receipt_code"]}
    assert sorted(integrity.values()) == ["complete", "incomplete"]

    exported = client.get(path + ".csv?table=attempts", headers=admin.headers)
    assert exported.status_code == 200, exported.text
    cells = {r["attempt_id"]: r["receipt_code"] for r in csv.DictReader(io.StringIO(exported.text))}
    assert cells == {aid: code or "" for aid, code in expected(pushed).items()}


def test_admins_see_the_code_in_the_attempt_object(
    client: TestClient, admin: SignedIn, setup: Setup, pushed: dict[str, str | None]
) -> None:
    for attempt_id, code in expected(pushed).items():
        for end in ATTEMPT_ENDS:
            response = client.get(f"/api/attempts/{attempt_id}{end}", headers=admin.headers)
            assert response.status_code == 200, response.text
            assert response.json()["receipt_code"] == code, (attempt_id, end)
        if code is not None:  # the code looks up the same attempt
            found = client.get(f"/api/receipts/{code}", headers=admin.headers)
            assert found.status_code == 200 and found.json()["attempt_id"] == attempt_id
    listed = client.get(
        "/api/attempts", params={"delivery_id": setup.delivery_id}, headers=admin.headers
    )
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {a["id"]: a["receipt_code"] for a in items} == expected(pushed)


def test_proctors_never_see_a_receipt_code(
    client: TestClient, proctor: SignedIn, setup: Setup, pushed: dict[str, str | None]
) -> None:
    for attempt_id in expected(pushed):
        for end in ATTEMPT_ENDS:
            response = client.get(f"/api/attempts/{attempt_id}{end}", headers=proctor.headers)
            assert response.status_code == 200, response.text
            assert "receipt_code" in response.json()
            assert response.json()["receipt_code"] is None, (attempt_id, end)
    listed = client.get(
        "/api/attempts", params={"delivery_id": setup.delivery_id}, headers=proctor.headers
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["items"]) == 4
    assert all(a["receipt_code"] is None for a in listed.json()["items"])
