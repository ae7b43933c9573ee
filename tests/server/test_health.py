"""``GET /api/health`` does a real database round trip; OpenAPI is served."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anyio
import pytest
from fastapi.testclient import TestClient

from medxam_server import __version__
from medxam_server.config import Settings
from medxam_server.main import create_app


def test_health_is_ok_with_a_reachable_database(server_settings: Settings) -> None:
    with TestClient(create_app(server_settings)) as client:
        response = client.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": __version__}


def test_health_is_503_problem_json_when_the_database_is_down(tmp_path: Path) -> None:
    settings = Settings(
        database_url="postgresql://postgres@127.0.0.1:1/nowhere",
        data_dir=tmp_path,
        secret_key="x",
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/health")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0
    body = response.json()
    assert body["status"] == 503
    assert {"type", "title", "status", "detail"} <= body.keys()


def test_openapi_document_is_served(server_settings: Settings) -> None:
    with TestClient(create_app(server_settings)) as client:
        response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert "/api/health" in document["paths"]


def test_unknown_path_is_problem_json(server_settings: Settings) -> None:
    with TestClient(create_app(server_settings)) as client:
        response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_no_free_connection_is_503_with_retry_after(postgres_url: str, tmp_path: Path) -> None:
    """F7/F11: an exhausted connection pool answers 503 + Retry-After, never hangs or 500s."""
    settings = Settings(
        database_url=postgres_url,
        data_dir=tmp_path,
        secret_key="x",
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout=0.2,
    )
    app = create_app(settings)
    with TestClient(app) as client, app.state.engine.connect():  # holds the only one
        response = client.get("/api/auth/me", headers={"Authorization": "Bearer x"})
    app.state.engine.dispose()
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) > 0


def test_a_client_hanging_up_mid_body_is_not_logged_as_a_server_error(
    server_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    """A workstation losing its network mid-upload is routine, not an 'unexpected error'."""
    app = create_app(server_settings)
    messages = [
        {"type": "http.request", "body": b'{"protocol": 1, "recor', "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/api/sync/push", "raw_path": b"/api/sync/push",
        "query_string": b"", "root_path": "", "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"content-type", b"application/json"), (b"host", b"test")],
    }  # fmt: skip
    with caplog.at_level(logging.INFO):
        anyio.run(app, scope, receive, send)
    app.state.engine.dispose()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("disconnected" in r.getMessage() for r in caplog.records)
