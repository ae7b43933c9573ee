"""Users CRUD (admin only): Argon2 on create, 409 on a taken name, 404 on unknown ids,
a new password ends the user's sessions, the last admin stays."""

from __future__ import annotations

import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import User
from tests.server.conftest import SignedIn
from tests.server.setup_api import assert_problem

NEW_USER = {
    "username": "pat",
    "password": "a long password",
    "full_name": "Pat Proctor",
    "role": "proctor",
}


def test_create_read_update_delete(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    created = client.post("/api/users", json=NEW_USER, headers=admin.headers)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["username"] == "pat" and user["role"] == "proctor"
    assert "password" not in user and "password_hash" not in user
    with transaction(app.state.session_factory) as session:
        stored = session.scalars(select(User.password_hash).where(User.username == "pat")).one()
    assert stored.startswith("$argon2") and "a long password" not in stored

    login = client.post("/api/auth/login", json={"username": "pat", "password": "a long password"})
    assert login.status_code == 200

    fetched = client.get(f"/api/users/{user['id']}", headers=admin.headers)
    assert fetched.json()["full_name"] == "Pat Proctor"
    listed = client.get("/api/users", headers=admin.headers).json()
    assert listed["total"] == 2 and [u["username"] for u in listed["items"]] == ["admin", "pat"]

    changed = client.put(
        f"/api/users/{user['id']}",
        json={"username": "pat2", "full_name": "Pat Two", "role": "admin"},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["username"] == "pat2" and changed.json()["role"] == "admin"
    # No password given: the old one still works.
    again = client.post("/api/auth/login", json={"username": "pat2", "password": "a long password"})
    assert again.status_code == 200

    assert client.delete(f"/api/users/{user['id']}", headers=admin.headers).status_code == 204
    assert_problem(client.get(f"/api/users/{user['id']}", headers=admin.headers), 404)


def test_a_taken_username_is_409(client: TestClient, admin: SignedIn) -> None:
    assert client.post("/api/users", json=NEW_USER, headers=admin.headers).status_code == 201
    assert_problem(client.post("/api/users", json=NEW_USER, headers=admin.headers), 409)
    renamed = client.put(
        f"/api/users/{admin.user_id}",
        json={"username": "pat", "full_name": "Admin", "role": "admin"},
        headers=admin.headers,
    )
    assert_problem(renamed, 409)


def test_unknown_ids_are_404(client: TestClient, admin: SignedIn) -> None:
    unknown = uuid.uuid4()
    assert_problem(client.get(f"/api/users/{unknown}", headers=admin.headers), 404)
    body = {"username": "x", "full_name": "X", "role": "admin"}
    assert_problem(client.put(f"/api/users/{unknown}", json=body, headers=admin.headers), 404)
    assert_problem(client.delete(f"/api/users/{unknown}", headers=admin.headers), 404)


def test_bad_user_bodies_are_422(client: TestClient, admin: SignedIn) -> None:
    for change in ({"password": "short"}, {"role": "candidate"}, {"username": ""}, {"x": 1}):
        response = client.post("/api/users", json={**NEW_USER, **change}, headers=admin.headers)
        assert "errors" in assert_problem(response, 422)


def test_a_new_password_ends_the_users_sessions(client: TestClient, admin: SignedIn) -> None:
    user = client.post("/api/users", json=NEW_USER, headers=admin.headers).json()
    token = client.post(
        "/api/auth/login", json={"username": "pat", "password": "a long password"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    body = {**NEW_USER, "password": "another long password"}
    assert (
        client.put(f"/api/users/{user['id']}", json=body, headers=admin.headers).status_code == 200
    )
    assert client.get("/api/auth/me", headers=headers).status_code == 401


def test_the_last_admin_cannot_be_removed_or_demoted(client: TestClient, admin: SignedIn) -> None:
    assert_problem(client.delete(f"/api/users/{admin.user_id}", headers=admin.headers), 409)
    demote = {"username": "admin", "full_name": "Admin", "role": "proctor"}
    assert_problem(
        client.put(f"/api/users/{admin.user_id}", json=demote, headers=admin.headers), 409
    )
    other = client.post("/api/users", json={**NEW_USER, "role": "admin"}, headers=admin.headers)
    # With a second admin, the first may be demoted; nobody may delete themselves.
    assert (
        client.put(f"/api/users/{admin.user_id}", json=demote, headers=admin.headers).status_code
        == 200
    )
    assert other.status_code == 201


def test_users_are_for_admins_only(client: TestClient, proctor: SignedIn) -> None:
    assert_problem(client.get("/api/users", headers=proctor.headers), 403)
    assert_problem(client.post("/api/users", json=NEW_USER, headers=proctor.headers), 403)
