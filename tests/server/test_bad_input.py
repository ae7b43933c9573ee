"""S6: malformed JSON, wrong types and unknown fields are 422 problem+json with
``errors``; bodies over 10 MiB are 413; nothing is half-applied."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi.testclient import TestClient

from tests.server.conftest import SignedIn
from tests.server.setup_api import assert_problem, import_exam, make_group, question

LIMIT = 10 * 1024 * 1024

JSON_ROUTES = [
    ("POST", "/api/users"),
    ("POST", "/api/groups"),
    ("POST", "/api/takers"),
    ("POST", "/api/takers/bulk"),
    ("POST", "/api/question-sets"),
    ("POST", "/api/exams"),
    ("POST", "/api/exams/import"),
    ("POST", "/api/deliveries"),
]


def _json(client: TestClient, admin: SignedIn, method: str, url: str, content: bytes) -> object:
    headers = {**admin.headers, "Content-Type": "application/json"}
    return client.request(method, url, content=content, headers=headers)


def test_malformed_json_is_422(client: TestClient, admin: SignedIn) -> None:
    for body in (b"{", b'{"name": }', b"\xff\xfe", b"[1, 2", b"null", b"[]"):
        for method, url in JSON_ROUTES:
            problem = assert_problem(_json(client, admin, method, url, body), 422)
            assert problem["errors"], (url, body)
    response = client.post(
        "/api/groups",
        content=json.dumps({"name": "x"}).encode(),
        headers={**admin.headers, "Content-Type": "text/plain"},
    )
    assert_problem(response, 422)
    for url in ("/api/groups/not-a-uuid", "/api/takers?group_id=7", "/api/exams?page=-1"):
        assert_problem(client.get(url, headers=admin.headers), 422)
    assert client.get("/api/groups", headers=admin.headers).json()["total"] == 0


def test_wrong_types_and_unknown_fields_are_422(client: TestClient, admin: SignedIn) -> None:
    group = make_group(client, admin)
    cases = [
        ("POST", "/api/groups", {"name": 12}),
        ("POST", "/api/groups", {"name": "ok", "colour": "red"}),
        ("PUT", f"/api/groups/{group}", {"name": "ok", "id": group}),
        ("PUT", f"/api/groups/{group}/takers", {"taker_ids": "all"}),
        ("POST", "/api/takers", {"candidate_number": ["1"], "full_name": "x"}),
        ("POST", "/api/takers", {"candidate_number": "1", "full_name": "x", "age": 20}),
        ("POST", "/api/exams", {"title": "t", "duration_minutes": "long", "pass_score": 1}),
        ("POST", "/api/exams", {"title": "t", "duration_minutes": 5, "pass_score": "1e999"}),
        (
            "POST",
            "/api/exams/import",
            {
                "title": "t",
                "duration_minutes": 5,
                "pass_score": 1,
                "questions": [question(options=[{"label": "A", "text": "a", "correct": True}])],
            },
        ),
        ("POST", "/api/question-sets", {"title": "t", "owner": "me"}),
        ("POST", "/api/deliveries", {"exam_id": 1, "group_id": group, "title": "t"}),
        ("POST", "/api/users", {"username": "u", "password": "long enough", "role": "admin"}),
    ]
    for method, url, body in cases:
        response = client.request(method, url, json=body, headers=admin.headers)
        problem = assert_problem(response, 422)
        assert problem["errors"] and all({"loc", "msg"} <= e.keys() for e in problem["errors"])
    assert client.get(f"/api/groups/{group}", headers=admin.headers).json()["name"] == "Year 3"
    assert client.get("/api/takers", headers=admin.headers).json()["total"] == 0
    assert client.get("/api/exams", headers=admin.headers).json()["total"] == 0


def test_bodies_over_10_mib_are_413(client: TestClient, admin: SignedIn) -> None:
    items = [{"candidate_number": f"N{i}", "full_name": "x" * 180} for i in range(60_000)]
    body = json.dumps({"items": items}).encode()
    assert len(body) > LIMIT
    response = _json(client, admin, "POST", "/api/takers/bulk", body)
    assert "errors" not in assert_problem(response, 413)
    assert client.get("/api/takers", headers=admin.headers).json()["total"] == 0

    def chunks() -> Iterator[bytes]:  # no Content-Length: sent chunked
        yield b'{"name": "'
        for _ in range(11):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    response = client.post(
        "/api/groups",
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413)
    assert client.get("/api/groups", headers=admin.headers).json()["total"] == 0


def test_bodies_within_the_limit_pass(client: TestClient, admin: SignedIn) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "streamed"}'

    response = client.post(
        "/api/groups",
        content=chunks(),
        headers={**admin.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    padded = b'{"name": "padded"}' + b" " * (LIMIT - 100)
    assert _json(client, admin, "POST", "/api/groups", padded).status_code == 201


def test_nothing_is_half_applied(client: TestClient, admin: SignedIn) -> None:
    group = make_group(client, admin)
    good = [
        {"candidate_number": f"G{i}", "full_name": "Good", "group_ids": [group]} for i in range(4)
    ]
    bad_email = {"candidate_number": "B1", "full_name": "Bad", "email": "x" * 300}
    response = client.post(
        "/api/takers/bulk", json={"items": [*good, bad_email]}, headers=admin.headers
    )
    assert assert_problem(response, 422)["errors"][0]["loc"][:3] == ["body", "items", 4]
    assert client.get("/api/takers", headers=admin.headers).json()["total"] == 0
    assert client.get(f"/api/groups/{group}/takers", headers=admin.headers).json()["total"] == 0

    import_exam(client, admin)
    broken = {
        "title": "Half",
        "duration_minutes": 10,
        "pass_score": 1,
        "questions": [question(), question(), question(["A", "B"])],
    }
    assert_problem(client.post("/api/exams/import", json=broken, headers=admin.headers), 422)
    assert client.get("/api/exams", headers=admin.headers).json()["total"] == 1
    assert client.get("/api/question-sets", headers=admin.headers).json()["total"] == 1


def test_text_no_database_can_hold_is_422(
    client: TestClient, admin: SignedIn, database_url: str
) -> None:
    """A lone surrogate (JSON's "\\ud800") is not Unicode text anywhere; PostgreSQL also
    refuses the NUL character in text (SQLite stores it)."""
    unstorable = ["g\ud800"]
    if not database_url.startswith("sqlite"):
        unstorable.append("g\x00")
    for name in unstorable:
        response = _json(client, admin, "POST", "/api/groups", json.dumps({"name": name}).encode())
        assert_problem(response, 422)
    assert client.get("/api/groups", headers=admin.headers).json()["total"] == 0
