"""Admin views: an attempt's events and score history, a delivery's sync status.

Records are built by real sync pushes (``WorkstationSim``) on SQLite and PostgreSQL.
The admin pushes and starts attempts (an admin may act on every delivery), so these
tests do not depend on which deliveries a proctor is assigned to.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server.db.session import transaction
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, single
from tests.server.workstation_sim import WorkstationSim, push, statuses


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(
            session,
            questions=[single("B", points=1, penalty=0.5), single("A", points=2), single("C")],
            takers=4,
        )


def get_ok(client: TestClient, who: SignedIn, url: str) -> Any:
    response = client.get(url, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


def override(client: TestClient, admin: SignedIn, attempt_id: str, body: dict[str, Any]) -> Any:
    response = client.put(f"/api/attempts/{attempt_id}/score", json=body, headers=admin.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_events_are_the_lifecycle_records_in_seq_order_then_the_overrides(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])["by"] = proctor.user_id
    ws.answer(attempt_id, q1, ["B"])
    ws.record(attempt_id, "attempt.paused", {"reason": "fire alarm"})["by"] = proctor.user_id
    ws.record(attempt_id, "attempt.resumed")["by"] = proctor.user_id
    ws.record(attempt_id, "attempt.time_extended", {"minutes": 10, "reason": "alarm"})
    ws.record(attempt_id, "attempt.incident", {"category": "noise", "note": "drill"})
    ws.timed(attempt_id, q2, 700)
    ws.answer(attempt_id, q2, ["B"])
    ws.finish(attempt_id)
    # Sent in two batches, the later half first: the timeline is in seq order anyway.
    assert set(statuses(push(client, admin, ws.id, ws.records[5:]))) == {"accepted"}
    assert set(statuses(push(client, admin, ws.id, ws.records[:5]))) == {"accepted"}

    body = get_ok(client, admin, f"/api/attempts/{attempt_id}/events")
    assert body["attempt_id"] == attempt_id
    events = body["events"]
    assert [(e["seq"], e["kind"]) for e in events] == [
        (1, "attempt.started"),
        (3, "attempt.paused"),
        (4, "attempt.resumed"),
        (5, "attempt.time_extended"),
        (6, "attempt.incident"),
        (9, "attempt.finished"),
    ]
    started, paused, _, extended, incident, finished = events
    assert started["at"] == "2026-11-24T09:00:01Z"
    assert started["data"] == {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[0]}
    assert (paused["by"], paused["by_name"]) == (proctor.user_id, "Proctor")
    assert paused["data"] == {"reason": "fire alarm"}
    assert extended["data"] == {"minutes": 10, "reason": "alarm"}
    assert (extended["by"], extended["by_name"]) == (None, None)
    assert incident["data"] == {"category": "noise", "note": "drill"}
    assert all(e["workstation_id"] == ws.id and e["received_at"] for e in events)
    assert finished["data"]["record_count"] == 8

    override(client, admin, attempt_id, {"score": 2.5, "reason": "q2 had two keys"})
    override(client, admin, attempt_id, {"penalty": 1 / 3, "reason": "a third off"})
    events = get_ok(client, admin, f"/api/attempts/{attempt_id}/events")["events"]
    assert [e["kind"] for e in events[-3:]] == ["attempt.finished", *["score.overridden"] * 2]
    first, second = events[-2:]
    assert first["data"] == {
        "old_score": "1.0",
        "old_penalty": "0.0",
        "new_score": "2.5",
        "new_penalty": "0.0",
        "reason": "q2 had two keys",
    }
    assert second["data"]["new_penalty"] == "0.333333"
    assert (first["seq"], first["by"], first["by_name"]) == (None, admin.user_id, "Admin")
    assert first["at"] <= second["at"]


def test_score_history_is_newest_first_with_scores_as_the_attempt_shows_them(
    client: TestClient, admin: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[1])
    ws.answer(attempt_id, setup.question_ids[0], ["A"])  # wrong: -0.5
    ws.answer(attempt_id, setup.question_ids[1], ["A"])  # right: +2
    ws.finish(attempt_id)
    push(client, admin, ws.id, ws.records)
    url = f"/api/attempts/{attempt_id}/score-history"
    assert get_ok(client, admin, url) == {"attempt_id": attempt_id, "items": []}

    first = override(client, admin, attempt_id, {"score": 3, "reason": "regraded"})
    second = override(client, admin, attempt_id, {"penalty": 1e-5, "reason": "tiny"})
    items = get_ok(client, admin, url)["items"]
    assert [i["reason"] for i in items] == ["tiny", "regraded"]
    newest, oldest = items
    assert (oldest["old_score"], oldest["old_penalty"]) == ("2.0", "0.5")
    assert (oldest["new_score"], oldest["new_penalty"]) == ("3.0", "0.5")
    assert newest["old_score"] == newest["new_score"] == "3.0"
    assert newest["new_penalty"] == "0.00001"  # never an exponent
    assert Decimal(oldest["new_score"]) == Decimal(str(first["score"]))
    assert Decimal(newest["new_penalty"]) == Decimal(str(second["penalty"]))
    assert (newest["changed_by"], newest["changed_by_name"]) == (admin.user_id, "Admin")
    assert newest["changed_at"] >= oldest["changed_at"]


def test_an_online_attempt_gets_its_start_and_finish_from_the_attempt_row(
    client: TestClient, admin: SignedIn, setup: Setup
) -> None:
    started = client.post(
        "/api/attempts/start",
        json={"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[2]},
        headers=admin.headers,
    ).json()
    attempt_id = started["id"]
    events = get_ok(client, admin, f"/api/attempts/{attempt_id}/events")["events"]
    assert [(e["seq"], e["kind"]) for e in events] == [(None, "attempt.started")]
    assert (events[0]["by"], events[0]["by_name"]) == (admin.user_id, "Admin")
    assert events[0]["received_at"] is None
    client.post(f"/api/attempts/{attempt_id}/finish", json={}, headers=admin.headers)
    events = get_ok(client, admin, f"/api/attempts/{attempt_id}/events")["events"]
    assert [(e["seq"], e["kind"]) for e in events] == [
        (None, "attempt.started"),
        (None, "attempt.finished"),
    ]
    assert events[0]["at"] <= events[1]["at"]


def test_unknown_attempts_and_deliveries_are_404_and_proctors_are_refused(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    unknown = str(uuid.uuid4())
    for url in (
        f"/api/attempts/{unknown}/events",
        f"/api/attempts/{unknown}/score-history",
        f"/api/deliveries/{unknown}/sync-status",
    ):
        response = client.get(url, headers=admin.headers)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/problem+json"
    url = f"/api/deliveries/{setup.delivery_id}/sync-status"
    assert client.get(url, headers=proctor.headers).status_code == 403
    assert client.get("/api/attempts/not-an-id/events", headers=admin.headers).status_code == 422


def test_sync_status_counts_attempts_per_workstation(
    client: TestClient, admin: SignedIn, setup: Setup
) -> None:
    url = f"/api/deliveries/{setup.delivery_id}/sync-status"
    empty = get_ok(client, admin, url)
    assert empty == {
        "delivery_id": setup.delivery_id,
        "attempts": 0,
        "complete": 0,
        "incomplete": 0,
        "pending": 0,
        "workstations": [],
    }
    one, two = WorkstationSim(), WorkstationSim()
    done, gap, running = (str(uuid.uuid4()) for _ in range(3))
    one.start(done, setup.delivery_id, setup.taker_ids[0])
    one.answer(done, setup.question_ids[0], ["B"])
    one.finish(done)
    one.start(gap, setup.delivery_id, setup.taker_ids[1])
    one.finish(gap, extra_count=1)  # the workstation counted a record the server lacks
    two.start(running, setup.delivery_id, setup.taker_ids[2])
    push(client, admin, one.id, one.records)
    push(client, admin, two.id, two.records)
    online = client.post(
        "/api/attempts/start",
        json={"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[3]},
        headers=admin.headers,
    ).json()["id"]
    client.post(f"/api/attempts/{online}/finish", json={}, headers=admin.headers)

    body = get_ok(client, admin, url)
    totals = {k: body[k] for k in ("attempts", "complete", "incomplete", "pending")}
    assert totals == {"attempts": 4, "complete": 1, "incomplete": 1, "pending": 2}
    rows = {w["workstation_id"]: w for w in body["workstations"]}
    assert [w["workstation_id"] for w in body["workstations"]][-1] is None  # online last
    counts = ("attempts", "complete", "incomplete", "pending", "in_progress", "high_water_mark")
    assert {k: rows[one.id][k] for k in counts} == dict(
        zip(counts, (2, 1, 1, 0, 0, 5), strict=True)
    )
    assert {k: rows[two.id][k] for k in counts} == dict(
        zip(counts, (1, 0, 0, 1, 1, 1), strict=True)
    )
    assert {k: rows[None][k] for k in counts} == dict(
        zip(counts, (1, 0, 0, 1, 0, None), strict=True)
    )
    assert rows[one.id]["last_received_at"] and rows[two.id]["last_received_at"]
    assert rows[None]["last_received_at"] is None
