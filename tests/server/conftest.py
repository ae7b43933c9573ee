"""Server test fixtures: an app on a fresh database, a client, and signed-in users;
``row_count`` for what a table holds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.config import Settings
from medxam_server.db.session import transaction
from medxam_server.main import create_app
from medxam_server.models import Delivery, DeliveryProctor
from medxam_server.services.accounts import auth

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def row_count(app: FastAPI, model: Any) -> int:
    """How many rows the table of ``model`` holds in the app's database."""
    with transaction(app.state.session_factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def app(server_settings: Settings) -> Iterator[FastAPI]:
    application = create_app(server_settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def make_user(
    app: FastAPI, client: TestClient, *, username: str, role: str, assign: bool = True
) -> SignedIn:
    """A signed-in user; a proctor is assigned to every delivery there is (``assign``), as
    ``factories.make_delivery`` assigns every proctor there is (issue 13, finding 10)."""
    with transaction(app.state.session_factory) as session:
        user = auth.create_user(
            session, username=username, password=PASSWORD, full_name=username.title(), role=role
        )
        user_id = user.id
        if role == "proctor" and assign:
            session.add_all(
                DeliveryProctor(delivery_id=d, user_id=user_id)
                for d in session.scalars(select(Delivery.id)).all()
            )
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return SignedIn(user_id=user_id, username=username, token=response.json()["token"])


@pytest.fixture
def admin(app: FastAPI, client: TestClient) -> SignedIn:
    return make_user(app, client, username="admin", role="admin")


@pytest.fixture
def proctor(app: FastAPI, client: TestClient) -> SignedIn:
    return make_user(app, client, username="proctor", role="proctor")
