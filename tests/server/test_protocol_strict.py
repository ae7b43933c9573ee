"""Finding 7 of issue 13 (part): a batch's protocol is the JSON integer 1, nothing that
merely compares equal to it; a push and a bundle alike."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server.db.session import transaction
from medxam_server.models import SyncRecord
from tests.server.conftest import SignedIn, row_count
from tests.server.factories import Setup, make_setup, single
from tests.server.test_bundles import make_bundle, public_b64
from tests.server.workstation_sim import WorkstationSim

NOT_ONE = ["1", True, 1.0, "01", [1]]


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B")])


def raw_push(client: TestClient, who: SignedIn, body: dict[str, Any]) -> Any:
    headers = {**who.headers, "Idempotency-Key": str(uuid.uuid4())}
    headers["Content-Type"] = "application/json"
    return client.post("/api/sync/push", content=json.dumps(body), headers=headers)


@pytest.mark.parametrize("protocol", NOT_ONE, ids=repr)
def test_a_push_whose_protocol_is_not_the_integer_1_is_refused(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup, protocol: Any
) -> None:
    ws = WorkstationSim()
    ws.start(str(uuid.uuid4()), setup.delivery_id, setup.taker_ids[0])
    body = {"protocol": protocol, "workstation_id": ws.id, "records": ws.records}
    response = raw_push(client, proctor, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "protocol" in response.text
    assert row_count(app, SyncRecord) == 0
    assert raw_push(client, proctor, {**body, "protocol": 2}).status_code == 426
    assert raw_push(client, proctor, {**body, "protocol": 1}).status_code == 200
    assert row_count(app, SyncRecord) == 1


@pytest.mark.parametrize("protocol", NOT_ONE, ids=repr)
def test_a_bundle_whose_protocol_is_not_the_integer_1_is_refused(
    app: FastAPI, client: TestClient, admin: SignedIn, proctor: SignedIn, setup: Setup,
    protocol: Any,
) -> None:  # fmt: skip
    ws, key = WorkstationSim(), Ed25519PrivateKey.generate()
    registered = client.put(
        f"/api/workstations/{ws.id}/key",
        json={"public_key": public_b64(key)},
        headers=proctor.headers,
    )
    assert registered.status_code == 200, registered.text
    ws.start(str(uuid.uuid4()), setup.delivery_id, setup.taker_ids[0])
    headers = {**admin.headers, "Content-Type": "application/octet-stream"}
    refused = client.post(
        "/api/sync/bundle",
        content=make_bundle(key, ws.id, ws.records, protocol=protocol),
        headers=headers,
    )
    assert refused.status_code == 422, refused.text
    assert "protocol" in refused.text
    assert row_count(app, SyncRecord) == 0
    later = make_bundle(key, ws.id, ws.records, protocol=2)
    assert client.post("/api/sync/bundle", content=later, headers=headers).status_code == 426
    good = make_bundle(key, ws.id, ws.records)
    assert client.post("/api/sync/bundle", content=good, headers=headers).status_code == 200
    assert row_count(app, SyncRecord) == 1
