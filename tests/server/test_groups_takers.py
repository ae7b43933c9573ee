"""Groups and takers: CRUD, membership, bulk creation all or nothing, 409 on taken
names and candidate numbers, pagination."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.server.conftest import SignedIn
from tests.server.setup_api import (
    assert_problem,
    import_exam,
    make_delivery,
    make_group,
    make_takers,
)


def test_group_crud(client: TestClient, admin: SignedIn, proctor: SignedIn) -> None:
    created = client.post(
        "/api/groups", json={"name": "Year 3", "description": "MBBS"}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    group = created.json()
    assert group["name"] == "Year 3" and group["description"] == "MBBS"
    # Proctors read groups; only admins change them.
    assert client.get(f"/api/groups/{group['id']}", headers=proctor.headers).status_code == 200
    assert client.get("/api/groups", headers=proctor.headers).json()["total"] == 1
    assert_problem(client.post("/api/groups", json={"name": "x"}, headers=proctor.headers), 403)

    changed = client.put(
        f"/api/groups/{group['id']}", json={"name": "Year 4"}, headers=admin.headers
    )
    assert changed.status_code == 200 and changed.json()["name"] == "Year 4"
    assert changed.json()["description"] == ""
    assert client.delete(f"/api/groups/{group['id']}", headers=admin.headers).status_code == 204
    assert_problem(client.get(f"/api/groups/{group['id']}", headers=admin.headers), 404)


def test_group_names_are_unique(client: TestClient, admin: SignedIn) -> None:
    make_group(client, admin, "A")
    other = make_group(client, admin, "B")
    assert_problem(client.post("/api/groups", json={"name": "A"}, headers=admin.headers), 409)
    renamed = client.put(f"/api/groups/{other}", json={"name": "A"}, headers=admin.headers)
    assert_problem(renamed, 409)


def test_unknown_group_ids_are_404(client: TestClient, admin: SignedIn) -> None:
    unknown = uuid.uuid4()
    for method, path, body in (
        ("GET", f"/api/groups/{unknown}", None),
        ("PUT", f"/api/groups/{unknown}", {"name": "x"}),
        ("DELETE", f"/api/groups/{unknown}", None),
        ("GET", f"/api/groups/{unknown}/takers", None),
        ("PUT", f"/api/groups/{unknown}/takers", {"taker_ids": []}),
    ):
        response = client.request(method, path, json=body, headers=admin.headers)
        assert_problem(response, 404)


def test_group_membership_is_replaced(
    client: TestClient, admin: SignedIn, proctor: SignedIn
) -> None:
    group = make_group(client, admin)
    takers = make_takers(client, admin, 3)
    ids = [t["id"] for t in takers]
    put = client.put(
        f"/api/groups/{group}/takers", json={"taker_ids": ids[:2]}, headers=admin.headers
    )
    assert put.status_code == 200, put.text
    assert put.json() == {"group_id": group, "taker_ids": sorted(ids[:2])}
    listed = client.get(f"/api/groups/{group}/takers", headers=proctor.headers).json()
    assert [t["candidate_number"] for t in listed["items"]] == ["C0001", "C0002"]
    put = client.put(
        f"/api/groups/{group}/takers", json={"taker_ids": ids[2:]}, headers=admin.headers
    )
    listed = client.get(f"/api/groups/{group}/takers", headers=admin.headers).json()
    assert [t["id"] for t in listed["items"]] == ids[2:]
    taker = client.get(f"/api/takers/{ids[2]}", headers=admin.headers).json()
    assert taker["group_ids"] == [group]

    # An unknown taker: 422, and the membership is unchanged.
    bad = client.put(
        f"/api/groups/{group}/takers",
        json={"taker_ids": [ids[0], str(uuid.uuid4())]},
        headers=admin.headers,
    )
    assert assert_problem(bad, 422)["errors"][0]["loc"] == ["body", "taker_ids", 1]
    listed = client.get(f"/api/groups/{group}/takers", headers=admin.headers).json()
    assert [t["id"] for t in listed["items"]] == ids[2:]


def test_taker_crud(client: TestClient, admin: SignedIn, proctor: SignedIn) -> None:
    group = make_group(client, admin)
    created = client.post(
        "/api/takers",
        json={
            "candidate_number": "2026-0001",
            "full_name": "Ada Lovelace",
            "email": "ada@example.org",
            "group_ids": [group],
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    taker = created.json()
    assert taker["group_ids"] == [group] and taker["email"] == "ada@example.org"
    assert client.get(f"/api/takers/{taker['id']}", headers=proctor.headers).status_code == 200
    by_group = client.get(f"/api/takers?group_id={group}", headers=proctor.headers).json()
    assert by_group["total"] == 1

    # group_ids left out: memberships kept; given as []: removed.
    kept = client.put(
        f"/api/takers/{taker['id']}",
        json={"candidate_number": "2026-0001", "full_name": "Ada King"},
        headers=admin.headers,
    )
    assert kept.json()["full_name"] == "Ada King" and kept.json()["group_ids"] == [group]
    assert kept.json()["email"] is None
    cleared = client.put(
        f"/api/takers/{taker['id']}",
        json={"candidate_number": "2026-0001", "full_name": "Ada King", "group_ids": []},
        headers=admin.headers,
    )
    assert cleared.json()["group_ids"] == []
    assert client.delete(f"/api/takers/{taker['id']}", headers=admin.headers).status_code == 204
    assert_problem(client.get(f"/api/takers/{taker['id']}", headers=admin.headers), 404)
    assert_problem(client.delete(f"/api/takers/{taker['id']}", headers=admin.headers), 404)


def test_candidate_numbers_are_unique(client: TestClient, admin: SignedIn) -> None:
    first, second = make_takers(client, admin, 2)
    duplicate = {"candidate_number": first["candidate_number"], "full_name": "Someone"}
    assert_problem(client.post("/api/takers", json=duplicate, headers=admin.headers), 409)
    renamed = client.put(f"/api/takers/{second['id']}", json=duplicate, headers=admin.headers)
    assert_problem(renamed, 409)


def test_unknown_group_for_a_taker_is_422(client: TestClient, admin: SignedIn) -> None:
    body = {"candidate_number": "X1", "full_name": "X", "group_ids": [str(uuid.uuid4())]}
    problem = assert_problem(client.post("/api/takers", json=body, headers=admin.headers), 422)
    assert problem["errors"][0]["loc"] == ["body", "group_ids", 0]
    assert client.get("/api/takers", headers=admin.headers).json()["total"] == 0


def test_bulk_creates_all(client: TestClient, admin: SignedIn) -> None:
    group = make_group(client, admin)
    created = make_takers(client, admin, 25, group_id=group)
    assert [t["candidate_number"] for t in created] == [f"C{i:04d}" for i in range(1, 26)]
    assert all(t["group_ids"] == [group] for t in created)
    assert client.get("/api/takers", headers=admin.headers).json()["total"] == 25


def test_bulk_is_all_or_nothing(client: TestClient, admin: SignedIn) -> None:
    make_takers(client, admin, 1)  # C0001 exists
    items = [{"candidate_number": f"N{i}", "full_name": "New"} for i in range(5)]
    clash = client.post(
        "/api/takers/bulk",
        json={"items": [*items, {"candidate_number": "C0001", "full_name": "Dup"}]},
        headers=admin.headers,
    )
    assert assert_problem(clash, 409)["errors"][0]["loc"] == [
        "body",
        "items",
        5,
        "candidate_number",
    ]
    repeated = client.post(
        "/api/takers/bulk", json={"items": [*items, items[0]]}, headers=admin.headers
    )
    assert_problem(repeated, 422)
    bad_group = client.post(
        "/api/takers/bulk",
        json={
            "items": [
                *items,
                {"candidate_number": "Z", "full_name": "Z", "group_ids": [str(uuid.uuid4())]},
            ]
        },
        headers=admin.headers,
    )
    assert_problem(bad_group, 422)
    wrong_type = client.post(
        "/api/takers/bulk",
        json={"items": [*items, {"candidate_number": 5, "full_name": None}]},
        headers=admin.headers,
    )
    assert_problem(wrong_type, 422)
    listed = client.get("/api/takers", headers=admin.headers).json()
    assert [t["candidate_number"] for t in listed["items"]] == ["C0001"]


def test_lists_are_paginated(client: TestClient, admin: SignedIn) -> None:
    make_takers(client, admin, 5)
    first = client.get("/api/takers?page=1&per_page=2", headers=admin.headers).json()
    last = client.get("/api/takers?page=3&per_page=2", headers=admin.headers).json()
    beyond = client.get("/api/takers?page=9&per_page=2", headers=admin.headers).json()
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    assert [t["candidate_number"] for t in first["items"]] == ["C0001", "C0002"]
    assert [t["candidate_number"] for t in last["items"]] == ["C0005"]
    assert beyond["items"] == [] and beyond["total"] == 5
    for query in ("per_page=501", "per_page=0", "page=0", "page=x"):
        assert_problem(client.get(f"/api/takers?{query}", headers=admin.headers), 422)
    assert client.get("/api/takers?per_page=500", headers=admin.headers).status_code == 200


def test_rows_in_use_cannot_be_deleted(client: TestClient, admin: SignedIn) -> None:
    group = make_group(client, admin)
    exam = import_exam(client, admin)
    make_delivery(client, admin, exam_id=exam["exam_id"], group_id=group)
    assert_problem(client.delete(f"/api/groups/{group}", headers=admin.headers), 409)
    assert client.get(f"/api/groups/{group}", headers=admin.headers).status_code == 200
