"""S3: Argon2 hashes, hashed tokens, one answer for unknown user and bad password,
throttling; sessions expire and logout revokes."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from medxam_server.db.session import transaction
from medxam_server.models import AuthSession, User, utcnow
from tests.server.conftest import PASSWORD, SignedIn


def test_login_me_logout(client: TestClient, admin: SignedIn) -> None:
    me = client.get("/api/auth/me", headers=admin.headers)
    assert me.status_code == 200
    assert me.json() == {
        "id": admin.user_id,
        "username": "admin",
        "full_name": "Admin",
        "role": "admin",
    }
    assert client.post("/api/auth/logout", headers=admin.headers).status_code == 204
    again = client.get("/api/auth/me", headers=admin.headers)
    assert again.status_code == 401
    assert again.headers["content-type"] == "application/problem+json"


def test_passwords_are_argon2_and_tokens_are_stored_hashed(app: FastAPI, admin: SignedIn) -> None:
    with transaction(app.state.session_factory) as session:
        user = session.scalars(select(User)).one()
        hashes = session.scalars(select(AuthSession.token_hash)).all()
    assert user.password_hash.startswith("$argon2")
    assert PASSWORD not in user.password_hash
    assert hashes and admin.token not in hashes
    assert all(len(h) == 64 for h in hashes)


def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: TestClient, admin: SignedIn
) -> None:
    wrong = client.post("/api/auth/login", json={"username": "admin", "password": "nope"})
    unknown = client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_login_is_throttled_after_repeated_failures(client: TestClient, admin: SignedIn) -> None:
    for _ in range(5):
        response = client.post("/api/auth/login", json={"username": "admin", "password": "x"})
        assert response.status_code == 401
    throttled = client.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    assert throttled.status_code == 429
    assert "retry-after" in throttled.headers


def test_an_expired_session_is_refused(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    with transaction(app.state.session_factory) as session:
        session.execute(update(AuthSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert client.get("/api/auth/me", headers=admin.headers).status_code == 401


def test_bad_tokens_are_401(client: TestClient) -> None:
    assert client.get("/api/auth/me").status_code == 401
    bad = client.get("/api/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
