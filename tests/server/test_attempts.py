"""Endpoints 1-8 of the MedXam backend: attempts, answers, finishing, score overrides."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import ScoreAudit
from medxam_server.rules.points import to_units
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, multiple, single, true_false

AT = "2026-11-24T09:12:03Z"
SCORE_FIELDS = ("score", "penalty", "total", "max_score", "percent", "passed")


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(
            session,
            questions=[
                single("B", points=1, penalty=0.25),
                multiple("A", "C", points=2, penalty=1 / 3),
                true_false(True, points=1),
            ],
            takers=2,
            pass_score=2,
        )


def start(client: TestClient, who: SignedIn, setup: Setup, **extra: Any) -> Any:
    body = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[0], **extra}
    return client.post("/api/attempts/start", json=body, headers=who.headers)


def answer(client: TestClient, who: SignedIn, attempt_id: str, qid: str, labels: list[str]) -> Any:
    body = {"question_id": qid, "answer": labels, "time_spent_ms": 1000, "answered_at": AT}
    return client.post(f"/api/attempts/{attempt_id}/answer", json=body, headers=who.headers)


def test_start_is_201_with_the_callers_id_and_an_unscored_attempt(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    response = start(client, proctor, setup)
    assert response.status_code == 201, response.text
    attempt = response.json()
    assert set(attempt) == {
        "id", "delivery_id", "exam_id", "taker_id", "workstation_id", "status", "started_at",
        "finished_at", "score", "penalty", "total", "max_score", "percent", "passed",
        "score_source", "created_by", "created_at", "updated_at", "integrity", "receipt_code",
    }  # fmt: skip
    assert attempt["created_by"] == proctor.user_id
    assert attempt["status"] == "in_progress"
    assert attempt["exam_id"] == setup.exam_id
    assert attempt["max_score"] is None  # no score field for a proctor (issue 13, finding 2)
    assert attempt["score"] is None and attempt["passed"] is None
    assert attempt["integrity"] == "unverified" and attempt["receipt_code"] is None
    assert attempt["started_at"].endswith("Z")


def test_start_with_a_client_id_is_idempotent_and_conflicts_on_other_content(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    attempt_id = str(uuid.uuid4())
    first = start(client, proctor, setup, id=attempt_id, started_at=AT)
    again = start(client, proctor, setup, id=attempt_id, started_at=AT)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = start(client, proctor, setup, id=attempt_id, taker_id=setup.taker_ids[1])
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"


def test_start_refuses_unknown_references_and_unknown_fields(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    assert start(client, proctor, setup, delivery_id=str(uuid.uuid4())).status_code == 422
    assert start(client, proctor, setup, taker_id=str(uuid.uuid4())).status_code == 422
    assert start(client, proctor, setup, colour="blue").status_code == 422
    assert start(client, proctor, setup, started_at="2026-11-24T09:00:00").status_code == 422
    no_token = client.post("/api/attempts/start", json={})
    assert no_token.status_code == 401


def test_answers_upsert_clear_and_validate(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    attempt_id = start(client, proctor, setup).json()["id"]
    q1, q2, _q3 = setup.question_ids
    saved = answer(client, proctor, attempt_id, q1, ["A"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["answer"] == ["A"] and saved.json()["position"] == 1
    assert answer(client, proctor, attempt_id, q1, ["B"]).json()["answer"] == ["B"]
    assert answer(client, proctor, attempt_id, q2, ["A", "C"]).status_code == 200
    assert answer(client, proctor, attempt_id, q2, []).json()["answer"] == []
    assert answer(client, proctor, attempt_id, q1, ["Z"]).status_code == 422
    assert answer(client, proctor, attempt_id, q1, ["A", "B"]).status_code == 422
    assert answer(client, proctor, attempt_id, str(uuid.uuid4()), ["A"]).status_code == 422
    assert answer(client, proctor, str(uuid.uuid4()), q1, ["A"]).status_code == 404
    listed = client.get(f"/api/attempts/{attempt_id}/answers", headers=proctor.headers).json()
    assert [(a["question_id"], a["answer"]) for a in listed] == [(q1, ["B"]), (q2, [])]
    assert all(a["is_correct"] is None and a["points_awarded"] is None for a in listed)


def test_finish_scores_exactly_and_repeating_changes_nothing(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    attempt_id = start(client, proctor, setup).json()["id"]
    q1, q2, q3 = setup.question_ids
    answer(client, proctor, attempt_id, q1, ["A"])  # wrong: -0.25
    answer(client, proctor, attempt_id, q2, ["C", "A"])  # right: +2
    answer(client, proctor, attempt_id, q3, [])  # omitted: 0
    finished = client.post(
        f"/api/attempts/{attempt_id}/finish",
        json={"finished_at": "2026-11-24T10:00:00Z"},
        headers=proctor.headers,
    )
    assert finished.status_code == 200, finished.text
    seen = finished.json()
    assert (seen["status"], seen["finished_at"]) == ("finished", "2026-11-24T10:00:00Z")
    assert all(seen[name] is None for name in SCORE_FIELDS)  # the proctor sees no score
    body = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    assert (body["score"], body["penalty"], body["total"]) == (2, 0.25, 1.75)
    assert body["max_score"] == 4 and body["percent"] == 43.75 and body["passed"] is False
    again = client.post(f"/api/attempts/{attempt_id}/finish", headers=admin.headers)
    assert again.status_code == 200 and again.json() == body
    assert answer(client, proctor, attempt_id, q3, ["A"]).status_code == 409
    graded = client.get(f"/api/attempts/{attempt_id}/answers", headers=admin.headers).json()
    assert [(a["is_correct"], a["points_awarded"]) for a in graded] == [
        (False, -0.25),
        (True, 2),
        (None, 0),
    ]


def test_get_details_list_and_filters(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    first = start(client, proctor, setup).json()
    second = start(client, proctor, setup, taker_id=setup.taker_ids[1]).json()
    client.post(f"/api/attempts/{second['id']}/finish", headers=proctor.headers)
    as_admin = client.get(f"/api/attempts/{first['id']}", headers=admin.headers).json()
    assert {**as_admin, "max_score": None} == first
    assert client.get(f"/api/attempts/{uuid.uuid4()}", headers=admin.headers).status_code == 404
    details = client.get(f"/api/attempts/{first['id']}/details", headers=proctor.headers).json()
    assert details["taker"]["id"] == setup.taker_ids[0]
    assert details["exam"]["question_count"] == 3 and details["exam"]["pass_score"] == 2
    assert details["delivery"]["id"] == setup.delivery_id
    assert "start_code" not in details["delivery"]

    def ids(**params: Any) -> list[str]:
        response = client.get("/api/attempts", params=params, headers=proctor.headers)
        assert response.status_code == 200, response.text
        return sorted(a["id"] for a in response.json()["items"])

    assert ids() == sorted([first["id"], second["id"]])
    assert ids(completed="true") == [second["id"]]
    assert ids(completed="false") == [first["id"]]
    assert ids(taker_id=setup.taker_ids[1]) == [second["id"]]
    assert ids(delivery_id=setup.delivery_id, exam_id=setup.exam_id) == ids()
    assert ids(exam_id=str(uuid.uuid4())) == []
    page = client.get("/api/attempts?per_page=1&page=2", headers=admin.headers).json()
    assert (page["total"], page["page"], page["per_page"], len(page["items"])) == (2, 2, 1, 1)
    assert client.get("/api/attempts?per_page=501", headers=admin.headers).status_code == 422


def test_score_override_is_admin_only_and_audited(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    attempt_id = start(client, proctor, setup).json()["id"]
    url = f"/api/attempts/{attempt_id}/score"
    change = {"score": 3, "penalty": 1 / 3, "reason": "miskeyed question 2"}
    assert client.put(url, json=change, headers=admin.headers).status_code == 409
    client.post(f"/api/attempts/{attempt_id}/finish", headers=proctor.headers)
    assert client.put(url, json=change, headers=proctor.headers).status_code == 403
    assert client.put(url, json={"reason": "x"}, headers=admin.headers).status_code == 422
    assert client.put(url, json={"score": 1}, headers=admin.headers).status_code == 422
    changed = client.put(url, json=change, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["score_source"] == "manual"
    assert (body["score"], body["penalty"], body["total"]) == (3, 0.333333, 2.666667)
    assert body["passed"] is True
    with transaction(app.state.session_factory) as session:
        audit = session.scalars(select(ScoreAudit)).one()
        assert audit.changed_by == admin.user_id and audit.reason == "miskeyed question 2"
        assert (audit.old_score_units, audit.old_penalty_units) == (0, 0)
        assert audit.new_penalty_units == to_units(1 / 3)
    finish_again = client.post(f"/api/attempts/{attempt_id}/finish", headers=admin.headers)
    assert finish_again.json()["score"] == 3  # a repeated finish keeps the override
