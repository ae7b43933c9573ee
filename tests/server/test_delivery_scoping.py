"""Issue 13, finding 10: a proctor sees and acts on assigned deliveries only (others
answer as if they did not exist); admins see everything and set the assignments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from medxam_server.db.session import transaction
from medxam_server.models import Attempt, QuarantinedRecord
from tests.server.conftest import SignedIn, make_user
from tests.server.factories import (
    Setup,
    make_attempt,
    make_delivery,
    make_exam,
    make_group,
    make_taker,
    single,
)
from tests.server.workstation_sim import WorkstationSim, push, statuses

AT = "2026-11-24T09:00:00Z"


@dataclass(frozen=True)
class Two:
    mine: Setup  # assigned to ``pat``
    theirs: Setup  # assigned to ``kim``
    pat: SignedIn
    kim: SignedIn
    theirs_attempt: str


@pytest.fixture
def two(app: FastAPI, client: TestClient, admin: SignedIn) -> Two:
    pat = make_user(app, client, username="pat", role="proctor", assign=False)
    kim = make_user(app, client, username="kim", role="proctor", assign=False)
    with transaction(app.state.session_factory) as session:
        exam = make_exam(session, questions=[single("B")])
        setups = []
        for proctor in (pat, kim):
            takers = [make_taker(session) for _ in range(2)]
            group = make_group(session, taker_ids=takers)
            delivery = make_delivery(
                session, exam_id=exam.exam_id, group_id=group, proctor_ids=[proctor.user_id]
            )
            setups.append(Setup(exam.exam_id, exam.question_ids, group, takers, delivery))
        attempt = make_attempt(session, setup=setups[1], created_by=kim.user_id)
    return Two(setups[0], setups[1], pat, kim, attempt)


def test_a_proctor_lists_and_reads_only_assigned_deliveries(
    client: TestClient, admin: SignedIn, two: Two
) -> None:
    listed = client.get("/api/deliveries", headers=two.pat.headers).json()
    assert [d["id"] for d in listed["items"]] == [two.mine.delivery_id]
    assert listed["total"] == 1 and listed["items"][0]["start_code"]
    theirs = f"/api/deliveries/{two.theirs.delivery_id}"
    unknown = f"/api/deliveries/{uuid.uuid4()}"
    for path in (theirs, f"{theirs}/package"):
        response = client.get(path, headers=two.pat.headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    hidden = client.get(theirs, headers=two.pat.headers).json()
    missing = client.get(unknown, headers=two.pat.headers).json()
    assert hidden["title"] == missing["title"] and hidden["status"] == missing["status"]
    mine = f"/api/deliveries/{two.mine.delivery_id}"
    assert client.get(mine, headers=two.pat.headers).status_code == 200
    assert client.get(f"{mine}/package", headers=two.pat.headers).status_code == 200
    everything = client.get("/api/deliveries", headers=admin.headers).json()
    assert everything["total"] == 2
    assert client.get(f"{theirs}/package", headers=admin.headers).status_code == 200


def test_a_proctor_cannot_see_or_touch_other_deliveries_attempts(
    client: TestClient, admin: SignedIn, two: Two
) -> None:
    url = f"/api/attempts/{two.theirs_attempt}"
    body = {"question_id": two.theirs.question_ids[0], "answer": ["B"]}
    body |= {"time_spent_ms": 1, "answered_at": AT}
    calls = [
        client.get(url, headers=two.pat.headers),
        client.get(f"{url}/details", headers=two.pat.headers),
        client.get(f"{url}/answers", headers=two.pat.headers),
        client.post(f"{url}/answer", json=body, headers=two.pat.headers),
        client.post(f"{url}/finish", headers=two.pat.headers),
    ]
    assert [c.status_code for c in calls] == [404] * 5
    assert client.get(url, headers=two.kim.headers).json()["status"] == "in_progress"
    listed = client.get("/api/attempts", headers=two.pat.headers).json()
    assert listed["items"] == [] and listed["total"] == 0
    filtered = client.get(
        "/api/attempts", params={"delivery_id": two.theirs.delivery_id}, headers=two.pat.headers
    )
    assert filtered.json()["total"] == 0
    assert client.get("/api/attempts", headers=two.kim.headers).json()["total"] == 1
    assert client.get("/api/attempts", headers=admin.headers).json()["total"] == 1
    assert client.get(url, headers=admin.headers).status_code == 200


def test_starting_in_an_unassigned_delivery_answers_as_for_an_unknown_one(
    client: TestClient, two: Two
) -> None:
    def start(delivery_id: str, **extra: Any) -> Any:
        body = {"delivery_id": delivery_id, "taker_id": two.theirs.taker_ids[1], **extra}
        return client.post("/api/attempts/start", json=body, headers=two.pat.headers)

    hidden = start(two.theirs.delivery_id)
    unknown = start(str(uuid.uuid4()))
    assert hidden.status_code == unknown.status_code == 422
    assert hidden.json()["errors"] == unknown.json()["errors"]
    assert start(two.theirs.delivery_id, id=two.theirs_attempt).status_code == 422
    body = {"delivery_id": two.mine.delivery_id, "taker_id": two.mine.taker_ids[0]}
    assert client.post("/api/attempts/start", json=body, headers=two.pat.headers).status_code == 201


def test_admins_set_a_deliverys_proctors_and_proctors_follow(
    client: TestClient, admin: SignedIn, two: Two
) -> None:
    url = f"/api/deliveries/{two.theirs.delivery_id}/proctors"
    assert [p["username"] for p in client.get(url, headers=admin.headers).json()] == ["kim"]
    assert client.get(url, headers=two.kim.headers).status_code == 403
    both = {"user_ids": [two.pat.user_id, two.kim.user_id]}
    changed = client.put(url, json=both, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert [p["username"] for p in changed.json()] == ["kim", "pat"]
    assert {p["assigned_by"] for p in changed.json()} == {None, admin.user_id}
    attempt = f"/api/attempts/{two.theirs_attempt}"
    assert client.get(attempt, headers=two.pat.headers).status_code == 200
    only_pat = client.put(url, json={"user_ids": [two.pat.user_id]}, headers=admin.headers)
    assert [p["username"] for p in only_pat.json()] == ["pat"]
    assert client.get(attempt, headers=two.kim.headers).status_code == 404
    for bad in ([admin.user_id], [str(uuid.uuid4())], ["not-a-uuid"]):
        refused = client.put(url, json={"user_ids": bad}, headers=admin.headers)
        assert refused.status_code == 422, bad
    assert [p["username"] for p in client.get(url, headers=admin.headers).json()] == ["pat"]
    gone = f"/api/deliveries/{uuid.uuid4()}/proctors"
    assert client.get(gone, headers=admin.headers).status_code == 404
    assert client.put(gone, json={"user_ids": []}, headers=admin.headers).status_code == 404


def test_proctor_ids_on_the_delivery_itself(client: TestClient, admin: SignedIn, two: Two) -> None:
    fields = {
        "exam_id": two.mine.exam_id,
        "group_id": two.mine.group_id,
        "title": "Afternoon sitting",
        "opens_at": "2026-11-24T13:00:00Z",
        "closes_at": "2026-11-24T16:00:00Z",
    }
    made = client.post(
        "/api/deliveries", json={**fields, "proctor_ids": [two.kim.user_id]}, headers=admin.headers
    )
    assert made.status_code == 201, made.text
    url = f"/api/deliveries/{made.json()['id']}"
    assert client.get(url, headers=two.kim.headers).status_code == 200
    assert client.get(url, headers=two.pat.headers).status_code == 404
    kept = client.put(url, json=fields, headers=admin.headers)  # no proctor_ids: they stay
    assert kept.status_code == 200
    assert client.get(url, headers=two.kim.headers).status_code == 200
    moved = client.put(
        url, json={**fields, "proctor_ids": [two.pat.user_id]}, headers=admin.headers
    )
    assert moved.status_code == 200
    assert client.get(url, headers=two.kim.headers).status_code == 404
    assert client.get(url, headers=two.pat.headers).status_code == 200
    bad = client.post(
        "/api/deliveries", json={**fields, "proctor_ids": [admin.user_id]}, headers=admin.headers
    )
    assert bad.status_code == 422
    assert client.get("/api/deliveries", headers=admin.headers).json()["total"] == 3
    unassigned = client.post("/api/deliveries", json=fields, headers=admin.headers).json()
    assert (
        client.get(f"/api/deliveries/{unassigned['id']}", headers=two.pat.headers).status_code
        == 404
    )


def test_sync_rejects_records_of_unassigned_deliveries_per_record(
    app: FastAPI, client: TestClient, admin: SignedIn, two: Two
) -> None:
    ws = WorkstationSim()
    with transaction(app.state.session_factory) as session:  # it runs on this workstation
        session.execute(
            update(Attempt).where(Attempt.id == two.theirs_attempt).values(workstation_id=ws.id)
        )
    mine, theirs_new = str(uuid.uuid4()), str(uuid.uuid4())
    ws.start(mine, two.mine.delivery_id, two.mine.taker_ids[0])
    ws.start(theirs_new, two.theirs.delivery_id, two.theirs.taker_ids[1])
    ws.answer(theirs_new, two.theirs.question_ids[0], ["B"])
    ws.answer(two.theirs_attempt, two.theirs.question_ids[0], ["B"])  # held attempt
    ws.answer(mine, two.mine.question_ids[0], ["B"])
    response = push(client, two.pat, ws.id, ws.records)
    assert response.status_code == 200, response.text
    assert statuses(response) == ["accepted", "rejected", "rejected", "rejected", "accepted"]
    reasons = {r.get("reason") for r in response.json()["results"][1:4]}
    assert reasons == {"delivery_not_assigned"}
    with transaction(app.state.session_factory) as session:
        kept = session.scalars(select(QuarantinedRecord.reason)).all()
    assert kept == ["delivery_not_assigned"] * 3
    url = f"/api/attempts/{theirs_new}"
    assert client.get(url, headers=admin.headers).status_code == 404  # never started
    # An admin is not scoped (a USB bundle, or an admin's own push).
    ws_admin = WorkstationSim()
    ws_admin.start(theirs_new, two.theirs.delivery_id, two.theirs.taker_ids[1])
    assert statuses(push(client, admin, ws_admin.id, ws_admin.records)) == ["accepted"]
