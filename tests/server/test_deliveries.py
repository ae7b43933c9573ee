"""Deliveries: CRUD, generated start codes, checks on exam, group and times."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from tests.server.conftest import SignedIn
from tests.server.setup_api import assert_problem, import_exam, make_delivery, make_group

START_CODE = re.compile(r"^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$")


def test_delivery_crud(client: TestClient, admin: SignedIn, proctor: SignedIn) -> None:
    exam = import_exam(client, admin)["exam_id"]
    group = make_group(client, admin)
    delivery = make_delivery(client, admin, exam_id=exam, group_id=group)
    assert START_CODE.match(delivery["start_code"])
    assert delivery["opens_at"] == "2026-11-24T09:00:00Z" and delivery["location"] == "Room 4"
    url = f"/api/deliveries/{delivery['id']}"

    # Proctors see deliveries with their start codes; they cannot change them.
    seen = client.get(url, headers=proctor.headers)
    assert seen.status_code == 200 and seen.json()["start_code"] == delivery["start_code"]
    listed = client.get("/api/deliveries", headers=proctor.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == delivery["id"]
    assert client.get(f"/api/deliveries?exam_id={exam}", headers=admin.headers).json()["total"] == 1
    assert (
        client.get(f"/api/deliveries?group_id={uuid.uuid4()}", headers=admin.headers).json()[
            "total"
        ]
        == 0
    )
    assert_problem(client.delete(url, headers=proctor.headers), 403)

    body = {
        "exam_id": exam,
        "group_id": group,
        "title": "Afternoon",
        "opens_at": "2026-11-24T14:00:00+01:00",
        "closes_at": "2026-11-24T17:00:00+01:00",
    }
    changed = client.put(url, json=body, headers=admin.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == "Afternoon" and changed.json()["location"] is None
    assert changed.json()["opens_at"] == "2026-11-24T13:00:00Z"
    assert changed.json()["start_code"] == delivery["start_code"]

    assert client.delete(url, headers=admin.headers).status_code == 204
    assert_problem(client.get(url, headers=admin.headers), 404)
    assert_problem(client.put(url, json=body, headers=admin.headers), 404)
    assert_problem(client.delete(url, headers=admin.headers), 404)


def test_start_codes_differ(client: TestClient, admin: SignedIn) -> None:
    exam = import_exam(client, admin)["exam_id"]
    group = make_group(client, admin)
    codes = {
        make_delivery(client, admin, exam_id=exam, group_id=group)["start_code"] for _ in range(5)
    }
    assert len(codes) == 5 and all(START_CODE.match(c) for c in codes)


def test_delivery_checks(client: TestClient, admin: SignedIn) -> None:
    exam = import_exam(client, admin)["exam_id"]
    group = make_group(client, admin)
    good = {
        "exam_id": exam,
        "group_id": group,
        "title": "T",
        "opens_at": "2026-11-24T09:00:00Z",
        "closes_at": "2026-11-24T12:00:00Z",
    }
    cases = {
        ("body", "exam_id"): {"exam_id": str(uuid.uuid4())},
        ("body", "group_id"): {"group_id": str(uuid.uuid4())},
        ("body", "closes_at"): {"closes_at": "2026-11-24T08:00:00Z"},
    }
    for loc, change in cases.items():
        response = client.post("/api/deliveries", json={**good, **change}, headers=admin.headers)
        assert assert_problem(response, 422)["errors"][0]["loc"] == list(loc)
    for change in ({"opens_at": "2026-11-24T09:00:00"}, {"exam_id": "nope"}, {"start_code": "X"}):
        response = client.post("/api/deliveries", json={**good, **change}, headers=admin.headers)
        assert_problem(response, 422)
    assert client.get("/api/deliveries", headers=admin.headers).json()["total"] == 0
