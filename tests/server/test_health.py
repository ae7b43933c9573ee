"""``GET /api/health`` does a real database round trip; OpenAPI is served."""

from __future__ import annotations

from pathlib import Path

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
