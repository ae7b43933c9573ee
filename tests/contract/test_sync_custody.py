"""The real desktop sync code against the real server on loopback (issue 13, finding 3):
a workstation registers its key and signs its pushes, a second proctor on the same
machine syncs as well, and another computer using the workstation's id is refused in
plain words with its queue intact and the real workstation's seqs untaken.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import keyring
import pytest

from medxam_desktop.errors import WorkstationRefusedError, user_message
from medxam_desktop.store import Store
from tests.contract.live_server import PASSWORD
from tests.contract.sync_support import SyncEnv, Workstation, registered_key
from tests.memory_keyring import InMemoryKeyring


def proctor(env: SyncEnv, username: str) -> str:
    """A second proctor, assigned to the delivery with the first (finding 10's scoping)."""
    body = {"username": username, "password": PASSWORD, "full_name": username.title()}
    made = env.admin.post("/users", json={**body, "role": "proctor"})
    assert made.status_code == 201, made.text
    delivery = env.setup["delivery"]["id"]
    users = env.admin.get("/users", params={"per_page": 500}).json()["items"]
    ids = [u["id"] for u in users if u["role"] == "proctor"]
    # Where deliveries have assigned proctors; without that route every proctor may push.
    env.admin.put(f"/deliveries/{delivery}/proctors", json={"user_ids": ids})
    return str(made.json()["id"])


def test_a_workstation_signs_its_pushes_and_a_shift_change_syncs_too(env: SyncEnv) -> None:
    ws = env.workstation()
    ws.sit(0)
    ws.pusher.sync()
    env.holds(ws)
    # The key went up before the first push, so the server now takes signed pushes only.
    assert registered_key(env, ws.store.workstation_id) is not None
    # 7 a.m.: the night proctor signs out, the day proctor signs in on the same machine.
    sam = proctor(env, "sam")
    ws.client.logout()
    ws.client.login("sam", PASSWORD)
    ws.user_id = sam
    ws.sit(1)
    report = ws.pusher.sync()
    assert report.quarantined == 0 and report.acknowledged > 0
    env.holds(ws)


def test_another_computer_using_the_workstations_id_is_refused_in_words(
    env: SyncEnv, tmp_path: Path
) -> None:
    real = env.workstation("real")
    real.sit(0)
    real.pusher.sync()
    real_id = real.store.workstation_id
    # Another machine: its own keyring (so its own key), a store claiming the real id.
    path = tmp_path / "impostor.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'workstation_id'", (real_id,))
    proctor(env, "mal")
    own_keyring, other_machine = keyring.get_keyring(), InMemoryKeyring()
    keyring.set_keyring(other_machine)
    try:
        impostor = Workstation.open(path, env.url, env.setup)
        env.workstations.append(impostor)
        impostor.client.logout()
        impostor.client.login("mal", PASSWORD)
        assert impostor.store.workstation_id == real_id
        impostor.sit(1)
        queued = impostor.store.outbox.counts()
        with pytest.raises(WorkstationRefusedError) as refused:
            impostor.pusher.sync()
    finally:
        keyring.set_keyring(own_keyring)
    words = user_message(refused.value)
    assert "did not accept this computer's records as coming from this workstation" in words
    assert "Nothing is lost" in words
    assert "signature does not match" in words  # the server's own reason, passed on
    assert impostor.store.outbox.counts() == queued  # nothing marked, nothing dropped
    assert "a different key" in (impostor.pusher.status().bundle_key_problem or "")
    # The real workstation goes on with its next seqs: none was taken.
    real.sit(2)
    report = real.pusher.sync()
    assert report.quarantined == 0
    env.holds(real)
