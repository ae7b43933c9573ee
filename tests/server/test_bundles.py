"""Workstation keys and signed USB bundles (contracts.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server.db.session import transaction
from medxam_server.models import SyncRecord
from tests.server.conftest import SignedIn, row_count
from tests.server.factories import Setup, make_setup, single
from tests.server.workstation_sim import WorkstationSim, push, statuses


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def make_bundle(
    key: Ed25519PrivateKey, ws_id: str, records: list[dict[str, Any]], **override: Any
) -> bytes:
    document: dict[str, Any] = {
        "format": "medxam-bundle",
        "version": 1,
        "workstation_id": ws_id,
        "created_at": "2026-11-24T12:00:00Z",
        "protocol": 1,
        "records": records,
        "manifest": {
            "record_count": len(records),
            "records_sha256": hashlib.sha256(canonical(records)).hexdigest(),
            "attempts": [
                {"attempt_id": a, "record_count": n}
                for a, n in Counter(r["attempt_id"] for r in records).items()
            ],
        },
    }
    document.update(override)
    document["signature"] = base64.b64encode(key.sign(canonical(document))).decode()
    return json.dumps(document).encode()


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B")], takers=1)


def test_registering_a_workstation_key(client: TestClient, proctor: SignedIn) -> None:
    ws_id, key = str(uuid.uuid4()), Ed25519PrivateKey.generate()
    url = f"/api/workstations/{ws_id}/key"
    body = {"public_key": public_b64(key)}
    first = client.put(url, json=body, headers=proctor.headers)
    assert first.status_code == 200, first.text
    assert (
        first.json()["workstation_id"] == ws_id and first.json()["public_key"] == body["public_key"]
    )
    again = client.put(url, json=body, headers=proctor.headers)
    assert again.status_code == 200 and again.json() == first.json()
    other = {"public_key": public_b64(Ed25519PrivateKey.generate())}
    assert client.put(url, json=other, headers=proctor.headers).status_code == 409
    bad = {"public_key": base64.b64encode(b"short").decode()}
    assert (
        client.put(
            f"/api/workstations/{uuid.uuid4()}/key", json=bad, headers=proctor.headers
        ).status_code
        == 422
    )
    assert client.put(url, json=body).status_code == 401


def test_a_bundle_is_applied_once_like_a_push(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    key, ws = Ed25519PrivateKey.generate(), WorkstationSim()
    client.put(
        f"/api/workstations/{ws.id}/key",
        json={"public_key": public_b64(key)},
        headers=proctor.headers,
    )
    attempt_id = str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, setup.question_ids[0], ["B"])
    ws.finish(attempt_id)
    bundle = make_bundle(key, ws.id, ws.records)
    headers = {**admin.headers, "Content-Type": "application/octet-stream"}
    first = client.post("/api/sync/bundle", content=bundle, headers=headers)
    assert first.status_code == 200, first.text
    assert statuses(first) == ["accepted"] * 3
    assert first.json()["attempts"][0]["integrity"] == "complete"
    assert first.json()["attempts"][0]["receipt_code"]
    second = client.post("/api/sync/bundle", content=bundle, headers=headers)
    assert second.json() == first.json()
    pushed = push(client, proctor, ws.id, ws.records, signer=key)
    assert statuses(pushed) == ["duplicate"] * 3
    assert row_count(app, SyncRecord) == 3
    proctor_try = client.post(
        "/api/sync/bundle",
        content=bundle,
        headers={**proctor.headers, "Content-Type": "application/octet-stream"},
    )
    assert proctor_try.status_code == 403


def test_bad_bundles_are_refused_whole(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    key, ws = Ed25519PrivateKey.generate(), WorkstationSim()
    client.put(
        f"/api/workstations/{ws.id}/key",
        json={"public_key": public_b64(key)},
        headers=proctor.headers,
    )
    ws.start(str(uuid.uuid4()), setup.delivery_id, setup.taker_ids[0])
    headers = {**admin.headers, "Content-Type": "application/octet-stream"}

    def send(body: bytes) -> Any:
        return client.post("/api/sync/bundle", content=body, headers=headers)

    forged = make_bundle(Ed25519PrivateKey.generate(), ws.id, ws.records)
    assert send(forged).status_code == 422
    unknown_ws = make_bundle(key, str(uuid.uuid4()), ws.records)
    assert send(unknown_ws).status_code == 422
    wrong_digest = make_bundle(
        key,
        ws.id,
        ws.records,
        manifest={"record_count": 1, "records_sha256": "0" * 64, "attempts": []},
    )
    assert send(wrong_digest).status_code == 422
    tampered = json.loads(make_bundle(key, ws.id, ws.records))
    tampered["records"][0]["seq"] = 7
    assert send(json.dumps(tampered).encode()).status_code == 422
    assert send(b"\x00not json").status_code == 422
    future = send(make_bundle(key, ws.id, ws.records, protocol=2))
    assert future.status_code == 426 and future.json()["supported_protocols"] == [1]
    assert row_count(app, SyncRecord) == 0
