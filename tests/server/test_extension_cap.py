"""Finding 7 of issue 13 (part): an attempt's time extensions are capped at 240 minutes
in total; an extension past the cap is rejected (``extension_cap``) and quarantined."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import QuarantinedRecord
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, single
from tests.server.workstation_sim import WorkstationSim, push, statuses


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B")], takers=2)


def extend(ws: WorkstationSim, attempt_id: str, minutes: int) -> dict[str, Any]:
    return ws.record(attempt_id, "attempt.time_extended", {"minutes": minutes, "reason": "r"})


def test_extensions_past_240_minutes_in_total_are_rejected_and_quarantined(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id, other_id = WorkstationSim(), str(uuid.uuid4()), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.start(other_id, setup.delivery_id, setup.taker_ids[1])
    extend(ws, attempt_id, 200)
    extend(ws, other_id, 240)  # another attempt has its own total
    extend(ws, attempt_id, 30)  # 230
    over = extend(ws, attempt_id, 20)  # 250: refused
    extend(ws, attempt_id, 10)  # 240: the cap itself is fine
    extend(ws, attempt_id, -15)  # a correction is never refused: 225
    first = push(client, proctor, ws.id, ws.records)
    assert statuses(first) == ["accepted"] * 5 + ["rejected", "accepted", "accepted"]
    refused = first.json()["results"][5]
    assert (refused["id"], refused["reason"]) == (over["id"], "extension_cap")
    assert "250 minutes" in refused["detail"] and "240" in refused["detail"]

    # A later batch counts what is kept (225), not what was quarantined; a replay of a
    # kept extension is a duplicate, not counted twice.
    sent = len(ws.records)
    extend(ws, attempt_id, 15)  # 240
    extend(ws, attempt_id, 1)  # 241: refused
    second = push(client, proctor, ws.id, [ws.records[2], *ws.records[sent:]])
    assert statuses(second) == ["duplicate", "accepted", "rejected"]
    assert second.json()["results"][2]["reason"] == "extension_cap"
    with transaction(app.state.session_factory) as session:
        kept = session.execute(
            select(QuarantinedRecord.reason, QuarantinedRecord.payload).where(
                QuarantinedRecord.attempt_id == attempt_id
            )
        ).all()
    assert sorted((reason, p["data"]["minutes"]) for reason, p in kept) == [
        ("extension_cap", 1),
        ("extension_cap", 20),
    ]
    state = client.get(f"/api/sync/state?workstation_id={ws.id}", headers=proctor.headers)
    assert state.json()["high_water_mark"] == len(ws.records)  # refused seqs are held too


def test_an_extension_before_its_start_arrives_is_capped_alike(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    extend(ws, attempt_id, 241)
    extend(ws, attempt_id, 240)
    assert statuses(push(client, proctor, ws.id, ws.records)) == ["rejected", "accepted"]
