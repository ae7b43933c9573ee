"""``medxam-server create-user`` and ``demo``: the real command, in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.db.session import transaction
from medxam_server.models import Delivery, Exam, ExamMedia, Question, Taker, User, utcnow
from medxam_server.services.demo import past_sitting, seed
from tests.server.setup_api import open_package
from tests.support.server import base_url, free_port, server_child

BIN = Path(sys.executable).parent / "medxam-server"


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def test_create_user(database_url: str, tmp_path: Path, client: TestClient) -> None:
    env = {
        "MEDXAM_DATABASE_URL": database_url,
        "MEDXAM_DATA_DIR": str(tmp_path),
        "MEDXAM_PASSWORD": "first admin password",
    }
    args = ["create-user", "--role", "admin", "--username", "root", "--full-name", "Root Admin"]
    created = _run(args, env)
    assert created.returncode == 0, created.stderr
    assert "Created admin 'root'" in created.stdout
    assert "first admin password" not in created.stdout + created.stderr

    login = client.post(
        "/api/auth/login", json={"username": "root", "password": "first admin password"}
    )
    assert login.status_code == 200, login.text
    assert login.json()["user"] == {
        "id": login.json()["user"]["id"],
        "username": "root",
        "full_name": "Root Admin",
        "role": "admin",
    }

    again = _run(args, env)
    assert again.returncode == 1 and "already exists" in again.stderr
    short = _run(
        ["create-user", "--role", "proctor", "--username", "p"], {**env, "MEDXAM_PASSWORD": "short"}
    )
    assert short.returncode == 1 and "at least 8" in short.stderr
    no_password = _run(
        ["create-user", "--role", "proctor", "--username", "p"], {**env, "MEDXAM_PASSWORD": ""}
    )
    assert no_password.returncode != 0 and "MEDXAM_PASSWORD" in no_password.stderr
    bad_role = _run(["create-user", "--role", "candidate", "--username", "p"], env)
    assert bad_role.returncode == 2


def test_demo_data_loads_once_and_stays_open(app: FastAPI, client: TestClient) -> None:
    factory = app.state.session_factory
    with transaction(factory) as session:
        first = seed.load_demo(session)
    with transaction(factory) as session:
        delivery = session.get(Delivery, first.delivery_id)
        assert delivery is not None
        delivery.closes_at = utcnow()  # closed since
    with transaction(factory) as session:
        second = seed.load_demo(session)
    assert second == first and first.start_code == seed.DEMO_START_CODE
    with transaction(factory) as session:
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (User, Taker, Exam, Question, ExamMedia, Delivery)
        ]
        delivery = session.get(Delivery, first.delivery_id)
        assert delivery is not None and delivery.opens_at <= utcnow() < delivery.closes_at
    assert counts == [2, 6, 1, 12, 1, 1]

    token = client.post(
        "/api/auth/login", json={"username": "proctor", "password": "proctor-demo"}
    ).json()["token"]
    package = client.get(
        f"/api/deliveries/{first.delivery_id}/package",
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    content = open_package(package, "exam-2345")
    types = {q["type"] for q in content["questions"]}
    assert types == {"single", "multiple", "true_false"} and len(package["takers"]) == 6
    assert any("media:ecg-strip.png" in q["stem"] for q in content["questions"])
    assert content["media"][0]["name"] == "ecg-strip.png"


@pytest.mark.slow
def test_demo_command_serves_the_demo(tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if k != "MEDXAM_DATABASE_URL"}
    env["MEDXAM_DATA_DIR"] = str(tmp_path / "server")
    command = [str(BIN), "demo", "--port", str(port)]
    with (
        log_path.open("w") as log,
        server_child(command, port=port, env=env, timeout_s=45, output=log, log_path=log_path),
    ):
        base = base_url(port)
        assert f"start code: {seed.DEMO_START_CODE}" in log_path.read_text()
        login = httpx.post(
            f"{base}/api/auth/login", json={"username": "admin", "password": "admin-demo"}
        )
        assert login.status_code == 200
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        deliveries = httpx.get(f"{base}/api/deliveries", headers=headers).json()
        assert [d["start_code"] for d in deliveries["items"]] == [
            seed.DEMO_START_CODE,
            past_sitting.RESULTS_START_CODE,  # the past sitting with results, for admins
        ]
