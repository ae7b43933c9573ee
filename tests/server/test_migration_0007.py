"""Migration 0007 on a database with data: known workstations get the user of their first
pushed batch as owner, and a weak key registered before keys were checked is withdrawn
with a ``key_withdrawn`` event (a good key and everything else stay as they were)."""

from __future__ import annotations

import base64
from datetime import timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from tests.server.migration_tables import ID, T0, USERS, WHEN, new_id, table, uuid_text

WORKSTATIONS = table(
    "workstations", id=ID, high_water_mark=sa.BigInteger, last_seen_at=WHEN,
    public_key=sa.String, key_registered_at=WHEN,
)  # fmt: skip
BATCHES = table(
    "sync_batches", id=ID, body_hash=sa.String, workstation_id=ID, user_id=ID,
    source=sa.String, status=sa.String, created_at=WHEN,
)  # fmt: skip


def test_0007_fills_owners_and_withdraws_weak_keys(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine, "0006")
    ann, pat, kim = new_id(), new_id(), new_id()
    good = base64.b64encode(Ed25519PrivateKey.generate().public_key().public_bytes_raw())
    zeros = base64.b64encode(bytes(32)).decode()
    pushed, weak, keyed, silent = new_id(), new_id(), new_id(), new_id()
    with engine.begin() as db:
        db.execute(
            sa.insert(USERS),
            [
                {"id": uid, "username": name, "full_name": name, "password_hash": "x"}
                | {"role": role, "created_at": T0, "updated_at": T0}
                for uid, name, role in (
                    (ann, "ann", "admin"),
                    (pat, "pat", "proctor"),
                    (kim, "kim", "proctor"),
                )
            ],
        )
        db.execute(
            sa.insert(WORKSTATIONS),
            [
                {"id": ws, "high_water_mark": 0, "last_seen_at": T0}
                | {"public_key": key, "key_registered_at": T0 if key else None}
                for ws, key in (
                    (pushed, None),
                    (weak, zeros),
                    (keyed, good.decode()),
                    (silent, None),
                )
            ],
        )
        # pushed: kim's batch came after pat's, and a bundle (an admin's) before both.
        db.execute(
            sa.insert(BATCHES),
            [
                {"id": new_id(), "body_hash": "h", "workstation_id": ws, "user_id": user}
                | {"source": source, "status": "done", "created_at": T0 + timedelta(minutes=m)}
                for ws, user, source, m in (
                    (pushed, ann, "bundle", 0),
                    (pushed, kim, "push", 2),
                    (pushed, pat, "push", 1),
                    (weak, kim, "push", 0),
                )
            ],
        )
    upgrade(engine)
    with engine.begin() as db:
        rows = db.execute(
            sa.text("SELECT id, owner_id, public_key, key_registered_at FROM workstations")
        ).all()
        events = db.execute(
            sa.text(
                "SELECT workstation_id, kind, old_value, by_user_id, reason FROM workstation_events"
            )
        ).all()
    state = {uuid_text(ws): (uuid_text(owner), key, at is not None) for ws, owner, key, at in rows}
    assert state == {
        pushed: (pat, None, False),
        weak: (kim, None, False),  # withdrawn
        keyed: (None, good.decode(), True),  # never pushed: claimed by its first pusher later
        silent: (None, None, False),
    }
    [(ws, kind, old, by, reason)] = events
    assert (uuid_text(ws), kind, old, uuid_text(by)) == (weak, "key_withdrawn", zeros, kim)
    assert "small order" in reason
    engine.dispose()
