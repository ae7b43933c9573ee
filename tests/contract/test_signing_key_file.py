"""A workstation without a keyring signs with the key file its proctors' PINs open, against
the real server on loopback: its pushes are signed and accepted once the key is
registered, and wait (queue kept, plain words) while the key is locked; a key made in the
file after another was registered is registered at the next reconcile; its USB bundle is
accepted; the command line asks for the PIN (``--pin-stdin``) and writes nothing when it
is wrong."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import keyring
import pytest

from medxam_desktop.cli import main
from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import SigningKeyLockedError, SyncKeyLockedError, user_message
from medxam_desktop.sync.bundle_export import export_bundle
from medxam_desktop.sync.key_unlock import Unlock, public_key_for, unlock_with_pin
from medxam_desktop.sync.pusher import Pusher
from medxam_desktop.sync.workstation_key import forget_unlocked_keys
from tests.contract.live_server import PASSWORD
from tests.contract.sync_support import (
    SyncEnv,
    Workstation,
    admin_api,
    registered_key,
    server_rows,
)
from tests.memory_keyring import InMemoryKeyring

PIN = "73915824"
WRONG_PIN = "11119999"
KIM_PIN = "64082719"
OFFLINE = "http://127.0.0.1:9"


def _pat(ws: Workstation) -> ProctorView:
    """Pat sets a PIN (while online, as the window asks after the password sign-in)."""
    return ws.store.proctors.set_pin(
        user_id=ws.user_id, username="pat", full_name="Pat Proctor", pin=PIN
    )


def store_verifies(ws: Workstation, pin: str) -> bool:
    """The store checks the PIN first (as every PIN prompt does), then the file opens."""
    return ws.store.proctors.verify("pat", pin) is not None


def test_pushes_are_signed_with_the_key_file_and_wait_while_it_is_locked(
    env: SyncEnv, no_keyring: None
) -> None:
    ws = env.workstation()
    pat = _pat(ws)
    assert unlock_with_pin(ws.store, pat, PIN).outcome is Unlock.MADE
    ws.sit(0)
    ws.pusher.sync()  # the reconcile registers the key from the file, then signed pushes
    workstation_id = ws.store.workstation_id
    assert registered_key(env, workstation_id) == public_key_for(ws.store)
    env.holds(ws)

    forget_unlocked_keys()  # the program restarts: the key file is locked
    ws.pusher = Pusher(ws.store, ws.client)
    ws.sit(1)
    queued = ws.store.outbox.counts()
    kept = server_rows(env.database_url, workstation_id)
    pushes = env.proxy.requests["/api/sync/push"]
    with pytest.raises(SyncKeyLockedError) as waiting:
        ws.pusher.sync()
    words = user_message(waiting.value)
    assert "Sync waits for a proctor's PIN to unlock this workstation's signing key" in words
    assert "Nothing is lost" in words and "Pat Proctor (pat)" in words
    status = ws.pusher.status()
    assert status.last_error == words
    with pytest.raises(SyncKeyLockedError):  # still waiting: never an unsigned push
        ws.pusher.sync()
    assert ws.store.outbox.counts() == queued
    assert env.proxy.requests["/api/sync/push"] == pushes
    assert server_rows(env.database_url, workstation_id) == kept

    assert store_verifies(ws, PIN)
    assert unlock_with_pin(ws.store, pat, PIN).outcome is Unlock.OPENED
    report = ws.pusher.sync()  # the same pusher goes on: "no key" was not kept
    assert report.acknowledged > 0 and report.quarantined == 0
    env.holds(ws)


def test_a_key_made_in_the_file_after_another_was_registered_is_registered_next(
    env: SyncEnv, no_keyring: None
) -> None:
    """The keyring held the first key (registered); the machine loses its keyring and the
    PIN makes a key file with a new key: an admin's sync registers it in place of the old,
    and pushes signed with it go through."""
    ws = env.workstation()
    with_keyring = keyring.get_keyring()
    keyring.set_keyring(InMemoryKeyring())
    try:
        ws.pusher.sync()
        first = registered_key(env, ws.store.workstation_id)
        assert first is not None
    finally:
        keyring.set_keyring(with_keyring)  # the keyring is gone from here on
    pat = _pat(ws)
    assert unlock_with_pin(ws.store, pat, PIN).outcome is Unlock.MADE
    new_key = public_key_for(ws.store)
    assert new_key != first
    ws.client.logout()
    ws.client.login("admin", PASSWORD)  # docs/operations.md: an admin replaces a key
    ws.pusher.request_state_check()
    ws.sit(0)
    report = ws.pusher.sync()
    assert report.acknowledged > 0
    assert registered_key(env, ws.store.workstation_id) == new_key
    env.holds(ws)


def test_a_bundle_signed_with_the_key_file_is_accepted(
    env: SyncEnv, no_keyring: None, tmp_path: Path
) -> None:
    ws = env.workstation()
    pat = _pat(ws)
    unlock_with_pin(ws.store, pat, PIN)
    ws.pusher.sync()  # online once: the key from the file is registered
    second = ws.sit(1)  # then the network never comes back
    forget_unlocked_keys()  # ...and the program was restarted
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(SigningKeyLockedError):
        export_bundle(ws.store, usb / "ws.medxam-bundle")
    assert list(usb.iterdir()) == []
    assert store_verifies(ws, PIN)
    unlock_with_pin(ws.store, pat, PIN)
    summary = export_bundle(ws.store, usb / "ws.medxam-bundle")
    admin = admin_api(env.direct_url)
    try:
        receipt = admin.import_bundle(summary.path.read_bytes())
    finally:
        admin.close()
    by_attempt = {a["attempt_id"]: a for a in receipt["attempts"]}
    assert by_attempt[second]["integrity"] == "complete"
    ws.pusher.sync()  # the network is back: everything is a duplicate
    env.holds(ws)


def _command_line_desk(env: SyncEnv, tmp_path: Path) -> tuple[Path, Workstation]:
    """A workstation whose data folder the command line is pointed at (``--data-dir``)."""
    desk = tmp_path / "desk"
    desk.mkdir()
    ws = Workstation.open(desk / "medxam.sqlite3", env.url, env.setup)
    env.workstations.append(ws)
    return desk, ws


def test_the_command_line_asks_for_the_pin_and_writes_nothing_when_it_is_wrong(
    env: SyncEnv,
    no_keyring: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    desk, ws = _command_line_desk(env, tmp_path)
    pat = _pat(ws)
    ws.store.proctors.set_pin(user_id="user-kim", username="kim", full_name="Kim Lee", pin=KIM_PIN)
    unlock_with_pin(ws.store, pat, PIN)
    ws.pusher.sync()
    attempt = ws.sit(2)
    forget_unlocked_keys()  # the command line is another process: nothing is open there
    usb = tmp_path / "usb"
    usb.mkdir()
    command = ["--server-url", OFFLINE, "--data-dir", str(desk), "export-bundle"]

    for pin, said in ((WRONG_PIN, "That PIN is not right"), (KIM_PIN, "Pat Proctor (pat)")):
        monkeypatch.setattr(sys, "stdin", io.StringIO(pin + "\n"))
        assert main([*command, "--pin-stdin", str(usb)]) == 5
        err = capsys.readouterr().err
        assert said in err and "Nothing was written" in err and pin not in err
        assert list(usb.iterdir()) == []

    monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n"))
    assert main([*command, "--pin-stdin", str(usb)]) == 0
    assert "record(s)" in capsys.readouterr().out
    [bundle] = list(usb.glob("*.medxam-bundle"))
    admin = admin_api(env.direct_url)
    try:
        receipt = admin.import_bundle(bundle.read_bytes())
    finally:
        admin.close()
    assert {a["attempt_id"]: a for a in receipt["attempts"]}[attempt]["integrity"] == "complete"


def test_the_command_line_sync_asks_for_the_pin_once_and_sends_nothing_when_it_is_wrong(
    env: SyncEnv,
    no_keyring: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    desk, ws = _command_line_desk(env, tmp_path)
    unlock_with_pin(ws.store, _pat(ws), PIN)
    ws.pusher.sync()  # the key is registered: from here the server takes only signed pushes
    ws.sit(3)
    forget_unlocked_keys()  # the command line is another process: nothing is open there
    workstation_id = ws.store.workstation_id
    kept = server_rows(env.database_url, workstation_id)
    queued = ws.store.outbox.counts()
    monkeypatch.setenv("MEDXAM_PASSWORD", PASSWORD)
    command = ["sync", "--server-url", env.url, "--data-dir", str(desk), "--username", "pat"]

    monkeypatch.setattr(sys, "stdin", io.StringIO(WRONG_PIN + "\n"))
    assert main([*command, "--pin-stdin", "--timeout", "5"]) == 5
    err = capsys.readouterr().err
    assert "That PIN is not right" in err and "Nothing was sent" in err and WRONG_PIN not in err
    assert ws.store.outbox.counts() == queued
    assert server_rows(env.database_url, workstation_id) == kept

    monkeypatch.setattr(sys, "stdin", io.StringIO(PIN + "\n"))
    assert main([*command, "--pin-stdin", "--timeout", "30"]) == 0
    assert "attempt(s) complete" in capsys.readouterr().out
    env.holds(ws)
