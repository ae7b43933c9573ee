"""Who may push for a workstation and its attempts (issue 13, findings 3 and 7).

- A workstation with a key takes signed pushes only; one without is its owner's.
- An attempt takes records from the workstation it is bound to, until a recorded handover.
- A record's ``by`` must be a proctor's or an admin's user id.
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.db.session import transaction
from medxam_server.models import Attempt, QuarantinedRecord, SyncRecord, WorkstationEvent
from tests.server.conftest import SignedIn, make_user
from tests.server.factories import Setup, make_attempt, make_setup, single
from tests.server.workstation_sim import WorkstationSim, push, statuses


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B"), single("A")], takers=3)


@pytest.fixture
def other(app: FastAPI, client: TestClient, setup: Setup) -> SignedIn:
    """A second proctor (made after the delivery, so assigned to it like ``proctor``)."""
    return make_user(app, client, username="second", role="proctor")


def keyed(client: TestClient, who: SignedIn) -> tuple[WorkstationSim, Ed25519PrivateKey]:
    ws, key = WorkstationSim(), Ed25519PrivateKey.generate()
    public = base64.b64encode(key.public_key().public_bytes_raw()).decode()
    response = client.put(
        f"/api/workstations/{ws.id}/key", json={"public_key": public}, headers=who.headers
    )
    assert response.status_code == 200, response.text
    return ws, key


def held(app: FastAPI, ws_id: str) -> int:
    with transaction(app.state.session_factory) as session:
        query = select(func.count()).where(SyncRecord.workstation_id == ws_id)
        return session.scalar(query) or 0


def reasons(response: Any) -> list[str | None]:
    return [r.get("reason") for r in response.json()["results"]]


def test_an_impersonator_cannot_push_for_a_keyed_workstation(
    app: FastAPI, client: TestClient, proctor: SignedIn, other: SignedIn, setup: Setup
) -> None:
    """Before the fix, any proctor's unsigned push took the workstation's seq numbers."""
    ws, key = keyed(client, proctor)
    attempt_id = str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, setup.question_ids[0], ["B"])
    unsigned = push(client, other, ws.id, ws.records)
    assert unsigned.status_code == 403, unsigned.text
    assert unsigned.headers["content-type"] == "application/problem+json"
    assert "not signed" in unsigned.json()["detail"]
    forged = push(client, other, ws.id, ws.records, signer=Ed25519PrivateKey.generate())
    assert forged.status_code == 403 and "signature" in forged.json()["detail"]
    # Even the owner's token without the key: refused (the key is the workstation).
    assert push(client, proctor, ws.id, ws.records).status_code == 403
    assert held(app, ws.id) == 0
    # The workstation itself, with whichever proctor signed in (a shift change): accepted.
    signed = push(client, other, ws.id, ws.records, signer=key)
    assert signed.status_code == 200, signed.text
    assert statuses(signed) == ["accepted", "accepted"]


def test_a_signature_covers_the_key_and_the_body(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, key = keyed(client, proctor)
    ws.start(str(uuid.uuid4()), setup.delivery_id, setup.taker_ids[0])
    good = push(client, proctor, ws.id, ws.records, signer=key)
    assert good.status_code == 200
    # A captured signature on another body (or under another key) does not verify.
    other_body = {"protocol": 1, "workstation_id": ws.id, "records": []}
    replayed = client.post(
        "/api/sync/push",
        json=other_body,
        headers={
            **proctor.headers,
            "Idempotency-Key": str(uuid.uuid4()),
            "X-Workstation-Signature": base64.b64encode(b"x" * 64).decode(),
        },
    )
    assert replayed.status_code == 403


def test_a_workstation_without_a_key_is_its_first_pushers_until_handed_over(
    app: FastAPI, client: TestClient, proctor: SignedIn, other: SignedIn, admin: SignedIn
) -> None:
    ws = WorkstationSim()
    assert push(client, proctor, ws.id, []).status_code == 200
    refused = push(client, other, ws.id, [])
    assert refused.status_code == 403 and "belongs to another user" in refused.json()["detail"]
    assert push(client, admin, ws.id, []).status_code == 200  # an admin may
    url = f"/api/workstations/{ws.id}/owner"
    body = {"user_id": other.user_id, "reason": "morning shift"}
    assert client.put(url, json=body, headers=proctor.headers).status_code == 403
    assert client.put(url, json={**body, "reason": " "}, headers=admin.headers).status_code == 422
    stranger = {"user_id": str(uuid.uuid4()), "reason": "x"}
    assert client.put(url, json=stranger, headers=admin.headers).status_code == 422
    unknown = f"/api/workstations/{uuid.uuid4()}/owner"
    assert client.put(unknown, json=body, headers=admin.headers).status_code == 404
    handed = client.put(url, json=body, headers=admin.headers)
    assert handed.status_code == 200, handed.text
    assert handed.json()["from"] == proctor.user_id and handed.json()["to"] == other.user_id
    assert push(client, other, ws.id, []).status_code == 200
    assert push(client, proctor, ws.id, []).status_code == 403


def test_another_workstation_cannot_change_or_end_an_attempt(
    app: FastAPI, client: TestClient, proctor: SignedIn, other: SignedIn, setup: Setup
) -> None:
    """Before the fix, B's answer and termination were applied to A's attempt."""
    a, key_a = keyed(client, proctor)
    b, key_b = keyed(client, other)
    mine, second, theirs = (str(uuid.uuid4()) for _ in range(3))
    q1, q2 = setup.question_ids
    a.start(mine, setup.delivery_id, setup.taker_ids[0])
    a.start(second, setup.delivery_id, setup.taker_ids[1])  # A's seq 2 is not mine's
    a.answer(mine, q1, ["B"])
    assert statuses(push(client, proctor, a.id, a.records, signer=key_a)) == ["accepted"] * 3
    b.start(theirs, setup.delivery_id, setup.taker_ids[2])
    b.answer(mine, q1, ["C"])
    b.record(mine, "attempt.terminated", {"reason": "forged"})
    b.answer(theirs, q2, ["A"])
    response = push(client, other, b.id, b.records, signer=key_b)
    assert response.status_code == 200, response.text
    assert reasons(response) == [None, "wrong_workstation", "wrong_workstation", None]
    assert response.json()["high_water_mark"] == 4  # quarantined seqs are held
    with transaction(app.state.session_factory) as session:
        attempt = session.get(Attempt, mine)
        assert attempt is not None and attempt.status == "in_progress"
        kept = session.scalars(
            select(QuarantinedRecord.reason).where(QuarantinedRecord.attempt_id == mine)
        ).all()
        assert kept == ["wrong_workstation", "wrong_workstation"]
    answer = client.get(f"/api/attempts/{mine}/answers", headers=proctor.headers).json()
    assert [a["answer"] for a in answer if a["question_id"] == q1] == [["B"]]
    # A finishes its attempt: B's quarantined record with seq 2 (a seq A used for
    # another attempt) does not count among mine's records, so it is still complete.
    a.finish(mine)
    finished = push(client, proctor, a.id, a.records[-1:], signer=key_a)
    summary = next(s for s in finished.json()["attempts"] if s["attempt_id"] == mine)
    assert summary["integrity"] == "complete"


def test_records_sent_before_the_start_by_another_workstation_take_no_part(
    app: FastAPI, client: TestClient, proctor: SignedIn, other: SignedIn, setup: Setup
) -> None:
    """Rule 7 keeps records that arrive before their start; from another workstation
    they are kept as evidence but fold into nothing and do not count for integrity."""
    a, key_a = keyed(client, proctor)
    b, key_b = keyed(client, other)
    attempt_id, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    q1, q2 = setup.question_ids
    b.start(theirs, setup.delivery_id, setup.taker_ids[1])
    b.answer(theirs, q1, ["A"])
    b.answer(attempt_id, q1, ["C"], 9000)  # B's seq 3, before A's attempt exists
    early = push(client, other, b.id, b.records, signer=key_b)
    assert statuses(early) == ["accepted"] * 3
    a.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    a.answer(attempt_id, q1, ["B"], 100)  # A's seq 2: lower than B's forged 3
    a.timed(attempt_id, q2, 50)
    a.timed(attempt_id, q2, 60)
    a.finish(attempt_id)
    response = push(client, proctor, a.id, a.records, signer=key_a)
    assert response.json()["attempts"][0]["integrity"] == "complete"
    answers = client.get(f"/api/attempts/{attempt_id}/answers", headers=proctor.headers).json()
    assert [(x["answer"], x["time_spent_ms"]) for x in answers if x["question_id"] == q1] == [
        (["B"], 100)
    ]


def test_a_recorded_handover_moves_an_attempt(
    app: FastAPI,
    client: TestClient,
    proctor: SignedIn,
    other: SignedIn,
    admin: SignedIn,
    setup: Setup,
) -> None:
    a, key_a = keyed(client, proctor)
    b, key_b = keyed(client, other)
    attempt_id = str(uuid.uuid4())
    q1, q2 = setup.question_ids
    a.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    a.answer(attempt_id, q1, ["B"])
    push(client, proctor, a.id, a.records, signer=key_a)
    url = f"/api/attempts/{attempt_id}/handover"
    body = {"to_workstation_id": b.id, "reason": "workstation 3 lost power"}
    assert client.post(url, json=body, headers=other.headers).status_code == 403
    missing = f"/api/attempts/{uuid.uuid4()}/handover"
    assert client.post(missing, json=body, headers=admin.headers).status_code == 404
    moved = client.post(url, json=body, headers=admin.headers)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["from"], moved.json()["to"]) == (a.id, b.id)
    assert client.post(url, json=body, headers=admin.headers).status_code == 409
    b.answer(attempt_id, q2, ["A"])
    assert statuses(push(client, other, b.id, b.records, signer=key_b)) == ["accepted"]
    a.answer(attempt_id, q1, ["C"])
    late = push(client, proctor, a.id, a.records[-1:], signer=key_a)
    assert reasons(late) == ["wrong_workstation"]
    # B finishes it: the rebuild folds A's records held before the move with B's.
    b.finish(attempt_id)
    done = push(client, other, b.id, b.records[-1:], signer=key_b)
    assert done.json()["attempts"][0]["integrity"] == "complete"
    answers = client.get(f"/api/attempts/{attempt_id}/answers", headers=admin.headers).json()
    assert {x["question_id"]: x["answer"] for x in answers} == {q1: ["B"], q2: ["A"]}
    with transaction(app.state.session_factory) as session:
        event = session.scalars(
            select(WorkstationEvent).where(WorkstationEvent.attempt_id == attempt_id)
        ).one()
        assert (event.kind, event.by_user_id, event.reason) == (
            "attempt_handover",
            admin.user_id,
            "workstation 3 lost power",
        )


def test_an_online_attempt_takes_no_workstation_records(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    with transaction(app.state.session_factory) as session:
        attempt_id = make_attempt(session, setup=setup, created_by=admin.user_id)
    ws = WorkstationSim()
    ws.record(attempt_id, "attempt.terminated", {"reason": "forged"})
    assert reasons(push(client, proctor, ws.id, ws.records)) == ["wrong_workstation"]


def test_by_must_be_a_proctor_or_an_admin(
    client: TestClient, proctor: SignedIn, other: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    """``by`` is who acted at the workstation (PIN sign-in), not who syncs: another
    proctor's or an admin's id is fine, anything else is ``unknown_actor``."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])["by"] = other.user_id
    ws.record(attempt_id, "attempt.paused")["by"] = admin.user_id
    ws.record(attempt_id, "attempt.resumed")["by"] = str(uuid.uuid4())
    ws.record(attempt_id, "attempt.paused")["by"] = setup.taker_ids[0]  # a taker is no actor
    ws.record(attempt_id, "attempt.resumed")["by"] = proctor.user_id
    response = push(client, proctor, ws.id, ws.records)
    assert reasons(response) == [None, None, "unknown_actor", "unknown_actor", None]
