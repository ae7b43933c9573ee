"""Finding 6 of issue 13: a time outside 2000-01-01..9998-12-31 (UTC) in any online API
body answers 422 problem+json, not 500 (an ``astimezone`` overflow), and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server.db.session import transaction
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_attempt, make_setup, single

OUTSIDE = [
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "9999-12-31T23:59:59Z",
    "1999-12-31T23:59:59Z",
    "2026-11-24T09:00:00+20:00",  # no such offset
]
GOOD = "2026-11-24T09:00:00Z"


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        made = make_setup(session, questions=[single("B")])
        attempt_id = make_attempt(session, setup=made, created_by=admin.user_id)
    made.extra["attempt_id"] = attempt_id
    return made


def requests(setup: Setup, at: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body) of every online API body holding a time, with ``at`` in it."""
    delivery = {
        "exam_id": setup.exam_id,
        "group_id": setup.group_id,
        "title": "Late sitting",
        "opens_at": GOOD,
        "closes_at": "2026-11-24T12:00:00Z",
    }
    attempt = setup.extra["attempt_id"]
    start = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[0]}
    answer = {"question_id": setup.question_ids[0], "answer": ["B"], "time_spent_ms": 5}
    return [
        ("POST", "/api/deliveries", {**delivery, "opens_at": at}),
        ("POST", "/api/deliveries", {**delivery, "closes_at": at}),
        ("PUT", f"/api/deliveries/{setup.delivery_id}", {**delivery, "opens_at": at}),
        ("PUT", f"/api/deliveries/{setup.delivery_id}", {**delivery, "closes_at": at}),
        ("POST", "/api/attempts/start", {**start, "id": str(uuid.uuid4()), "started_at": at}),
        ("POST", f"/api/attempts/{attempt}/finish", {"finished_at": at}),
        ("POST", f"/api/attempts/{attempt}/answer", {**answer, "answered_at": at}),
    ]


@pytest.mark.parametrize("at", OUTSIDE)
def test_a_time_outside_the_window_answers_422_and_changes_nothing(
    client: TestClient, admin: SignedIn, setup: Setup, at: str
) -> None:
    attempt = f"/api/attempts/{setup.extra['attempt_id']}"
    before = [client.get(attempt + end, headers=admin.headers).json() for end in ("", "/answers")]
    deliveries = client.get("/api/deliveries", headers=admin.headers).json()["total"]
    for method, path, body in requests(setup, at):
        response = client.request(method, path, json=body, headers=admin.headers)
        assert response.status_code == 422, (method, path, body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert (
            "between 2000-01-01 and 9998-12-31 (UTC)" in response.text
            or "an offset between -14:00 and +14:00" in response.text
        )
    after = [client.get(attempt + end, headers=admin.headers).json() for end in ("", "/answers")]
    assert after == before
    assert client.get("/api/deliveries", headers=admin.headers).json()["total"] == deliveries


@pytest.mark.parametrize(
    ("opens", "closes"),
    [("2000-01-01T00:00:00Z", GOOD), (GOOD, "9999-01-01T13:59:59+14:00")],  # 9998 in UTC
)
def test_the_window_s_edges_are_accepted(
    client: TestClient, admin: SignedIn, setup: Setup, opens: str, closes: str
) -> None:
    body = {
        "exam_id": setup.exam_id,
        "group_id": setup.group_id,
        "title": "Edge",
        "opens_at": opens,
        "closes_at": closes,
    }
    response = client.post("/api/deliveries", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
