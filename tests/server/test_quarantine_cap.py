"""Issue 13, finding 9: junk records cannot fill the quarantine. Past the per-workstation
cap a pushed batch is refused whole (429 with Retry-After, or 413 when the batch alone is
over it), nothing of it is applied or dropped, and one integrity alert is raised."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.config import Settings
from medxam_server.db.session import transaction
from medxam_server.models import IntegrityAlert, QuarantinedRecord
from tests.conftest import TEST_SECRET
from tests.server.conftest import SignedIn
from tests.server.setup_api import assert_problem
from tests.server.workstation_sim import WorkstationSim, push

CAP = 10
DAY = 24 * 3600


@pytest.fixture
def server_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "server-data",
        secret_key=TEST_SECRET,
        quarantine_max_per_workstation=CAP,
    )


def junk(ws: WorkstationSim, n: int) -> list[dict[str, Any]]:
    """``n`` records the server rejects (an unknown kind), each with its own seq."""
    return [ws.record(str(uuid.uuid4()), "junk.record", {}) for _ in range(n)]


def held(app: FastAPI, ws_id: str) -> tuple[int, int]:
    """(quarantined records, quarantine-cap alerts) of the workstation."""
    with transaction(app.state.session_factory) as session:
        kept = session.scalar(
            select(func.count())
            .select_from(QuarantinedRecord)
            .where(QuarantinedRecord.workstation_id == ws_id)
        )
        alerts = session.scalars(
            select(IntegrityAlert).where(IntegrityAlert.workstation_id == ws_id)
        ).all()
    return kept or 0, sum(a.kind == "quarantine_cap" for a in alerts)


def mark(client: TestClient, who: SignedIn, ws_id: str) -> int:
    answer = client.get(f"/api/sync/state?workstation_id={ws_id}", headers=who.headers)
    value: int = answer.json()["high_water_mark"]
    return value


def test_a_batch_past_the_cap_is_refused_whole_and_alerted_once(
    app: FastAPI, client: TestClient, proctor: SignedIn
) -> None:
    ws = WorkstationSim()
    began = time.monotonic()
    first = push(client, proctor, ws.id, junk(ws, 6))
    assert first.status_code == 200, first.text
    assert held(app, ws.id) == (6, 0)
    over = junk(ws, 6)  # 6 + 6 > 10
    refused = push(client, proctor, ws.id, over)
    body = assert_problem(refused, 429)
    assert f"quarantine cap of {CAP} rejected records" in body["detail"]
    # Room comes when the 2nd-oldest counted record is a day old (two must go).
    waited = time.monotonic() - began
    assert DAY - waited - 1 <= int(refused.headers["retry-after"]) <= DAY
    assert held(app, ws.id) == (6, 1)  # nothing of the batch kept, one alert
    assert mark(client, proctor, ws.id) == 6  # nor held: the workstation sends it again
    again = push(client, proctor, ws.id, over)
    assert_problem(again, 429)
    assert held(app, ws.id) == (6, 1)  # alerted once
    # Up to the cap still goes in; other workstations are not affected.
    ws.records, ws.seq = [], 6
    fits = push(client, proctor, ws.id, junk(ws, 4))
    assert fits.status_code == 200, fits.text
    assert held(app, ws.id) == (CAP, 1)
    other = WorkstationSim()
    assert push(client, proctor, other.id, junk(other, 6)).status_code == 200


def test_a_batch_alone_over_the_cap_is_413(
    app: FastAPI, client: TestClient, proctor: SignedIn
) -> None:
    ws = WorkstationSim()
    body = assert_problem(push(client, proctor, ws.id, junk(ws, CAP + 1)), 413)
    assert f"quarantine cap of {CAP} rejected records" in body["detail"]
    assert held(app, ws.id) == (0, 1)
    assert mark(client, proctor, ws.id) == 0
