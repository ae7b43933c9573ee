"""The demo's past sitting with synced results (services/demo/past_sitting.py), on SQLite and
PostgreSQL: loaded once, through batch ingest, with what an admin expects to find."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.db.session import transaction
from medxam_server.models import Attempt, Delivery, SyncRecord
from medxam_server.services.demo import past_sitting, seed
from tests.conftest import TEST_SECRET


def test_the_demo_has_a_past_sitting_with_results(app: FastAPI, client: TestClient) -> None:
    factory = app.state.session_factory
    with transaction(factory) as session:
        info = seed.load_demo(session)
        made = past_sitting.load_demo_results(
            session, exam_id=info.exam_id, secret=TEST_SECRET.encode()
        )
    assert made is not None
    with transaction(factory) as session:  # loading again changes nothing
        again = past_sitting.load_demo_results(
            session, exam_id=info.exam_id, secret=TEST_SECRET.encode()
        )
        counts = [
            session.scalar(select(func.count()).select_from(model))
            for model in (Delivery, Attempt, SyncRecord)
        ]
    assert again is None and counts[:2] == [2, 24] and counts[2] > 24 * 10

    token = client.post(
        "/api/auth/login", json={"username": "admin", "password": "admin-demo"}
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/deliveries/{made}/results", headers=headers).json()
    summary = body["summary"]
    assert (summary["n"], summary["terminated"], summary["in_progress"]) == (22, 1, 1)
    assert summary["kr20"] is not None and 0 < summary["pass_count"] < 22
    integrity = [a["integrity"] for a in body["attempts"]]
    assert integrity.count("complete") == 21 and integrity.count("incomplete") == 1
    with transaction(factory) as session:
        codes = session.scalars(select(Attempt.receipt_code).where(Attempt.delivery_id == made))
        assert len([c for c in codes if c]) == 22  # every finished attempt has its receipt
    # The open demo sitting stays free for the proctor to try.
    open_sitting = client.get(
        "/api/attempts", params={"delivery_id": info.delivery_id}, headers=headers
    ).json()
    assert open_sitting["total"] == 0
