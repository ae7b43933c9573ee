"""Workstation keys (issue 13, finding 5): only strong Ed25519 keys, and only the
workstation's owner (or an admin) registers or replaces one."""

from __future__ import annotations

import base64
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import WorkstationEvent
from medxam_server.rules.ed25519 import SMALL_ORDER_ENCODINGS, P, key_problem
from tests.server.conftest import SignedIn, make_user
from tests.server.workstation_sim import push

SMALL_ORDER = [base64.b64encode(raw).decode() for raw in SMALL_ORDER_ENCODINGS]


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def public_b64(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes_raw())


def not_on_curve() -> bytes:
    """The first y (little-endian) that is no point's: x² would have to be a non-square."""
    for y in range(2, 100):
        raw = y.to_bytes(32, "little")
        if key_problem(raw) == "it is not a point of the Ed25519 curve":
            return raw
    raise AssertionError("unreachable")


def register(client: TestClient, who: SignedIn, ws_id: str, public_key: str) -> int:
    response = client.put(
        f"/api/workstations/{ws_id}/key", json={"public_key": public_key}, headers=who.headers
    )
    return response.status_code


@pytest.mark.parametrize("encoded", SMALL_ORDER, ids=[f"small-order-{i}" for i in range(8)])
def test_each_small_order_key_is_refused(
    client: TestClient, proctor: SignedIn, encoded: str
) -> None:
    response = client.put(
        f"/api/workstations/{uuid.uuid4()}/key",
        json={"public_key": encoded},
        headers=proctor.headers,
    )
    assert response.status_code == 422, response.text
    assert "small order" in response.json()["detail"]


@pytest.mark.parametrize(
    "raw",
    [
        bytes(32),  # all zeros (a small-order point)
        not_on_curve(),
        (P + 1).to_bytes(32, "little"),  # y = p + 1: a non-canonical twin of the identity
        (2**255 - 1).to_bytes(32, "little"),  # y above p
        b"\x01" + bytes(30) + b"\x80",  # the identity with its sign bit set
    ],
    ids=["all-zero", "not-on-curve", "y-is-p-plus-1", "y-above-p", "identity-with-sign"],
)
def test_invalid_keys_are_refused_and_nothing_is_registered(
    app: FastAPI, client: TestClient, proctor: SignedIn, raw: bytes
) -> None:
    ws_id = str(uuid.uuid4())
    assert register(client, proctor, ws_id, b64(raw)) == 422
    state = client.get("/api/sync/state", params={"workstation_id": ws_id}, headers=proctor.headers)
    assert state.json()["high_water_mark"] == 0
    good = public_b64(Ed25519PrivateKey.generate())
    assert register(client, proctor, ws_id, good) == 200  # the id was not taken


@settings(max_examples=50, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32))
def test_every_generated_key_is_strong(seed: bytes) -> None:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    assert key_problem(key.public_key().public_bytes_raw()) is None


def test_only_the_owner_or_an_admin_registers_or_replaces_a_key(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn
) -> None:
    other = make_user(app, client, username="second", role="proctor")
    ws_id = str(uuid.uuid4())
    first, second = (public_b64(Ed25519PrivateKey.generate()) for _ in range(2))
    assert register(client, proctor, ws_id, first) == 200
    # Another proctor on the same machine (shift change) sends the same key: fine.
    assert register(client, other, ws_id, first) == 200
    # A different key from anyone but an admin: refused, the first stays.
    assert register(client, other, ws_id, second) == 409
    assert register(client, proctor, ws_id, second) == 409
    assert register(client, admin, ws_id, second) == 200
    with transaction(app.state.session_factory) as session:
        events = session.execute(
            select(WorkstationEvent.kind, WorkstationEvent.by_user_id, WorkstationEvent.new_value)
            .where(WorkstationEvent.workstation_id == ws_id)
            .order_by(WorkstationEvent.id)
        ).all()
    assert [tuple(e) for e in events] == [
        ("key_registered", proctor.user_id, first),
        ("key_replaced", admin.user_id, second),
    ]


def test_a_workstation_another_proctor_pushed_for_cannot_be_keyed_by_someone_else(
    app: FastAPI, client: TestClient, proctor: SignedIn, admin: SignedIn
) -> None:
    """Before finding 5 was fixed, anyone could register the first key of a workstation
    that was already pushing, and then sign for it."""
    other = make_user(app, client, username="second", role="proctor")
    ws_id = str(uuid.uuid4())
    assert push(client, proctor, ws_id, []).status_code == 200  # claims it
    key = public_b64(Ed25519PrivateKey.generate())
    assert register(client, other, ws_id, key) == 403
    assert register(client, proctor, ws_id, key) == 200
