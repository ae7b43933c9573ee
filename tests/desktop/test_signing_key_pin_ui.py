"""The signing key on a computer without a keyring, through the whole program (the real
composition root, widgets driven with qtbot, a real Store file, the real server on
loopback): a PIN sign-in makes the key file and the USB export then writes a bundle the
server accepts; after a restart the export asks for a PIN (a wrong one, or one without a
share of the key, writes nothing); a sync waiting for the key says so and goes on once
"Unlock with PIN…" has opened it."""

from __future__ import annotations

import base64
import json
import random
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from medxam_desktop.app import Workstation as App
from medxam_desktop.config import load_config
from medxam_desktop.errors import SigningKeyLockedError
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.backoff import Backoff
from medxam_desktop.sync.bundle_export import canonical_json
from medxam_desktop.sync.key_file import read_key_file
from medxam_desktop.sync.key_unlock import signing_key_for, unlock_with_pin
from medxam_desktop.sync.workstation_key import forget_unlocked_keys
from medxam_desktop.ui.proctor.sign_in_dialog import SignInDialog
from medxam_desktop.ui.proctor.sync_panel import SyncPanel
from medxam_desktop.ui.tasks import wait_for_all
from medxam_desktop.ui.widgets.pin_dialog import PinDialog
from tests.contract.live_server import PASSWORD
from tests.contract.sync_support import SyncEnv, Workstation

OFFLINE = "http://127.0.0.1:9"
PIN = "73915824"
KIM_PIN = "64082719"
WRONG_PIN = "11119999"

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def desk(env: SyncEnv, tmp_path: Path) -> Iterator[tuple[Path, Workstation]]:
    """A workstation's data folder: the delivery's package, Pat's PIN (set in an earlier
    run), a finished attempt queued. Its store stays open for the server-side checks."""
    folder = tmp_path / "desk"
    folder.mkdir()
    ws = Workstation.open(folder / "medxam.sqlite3", env.url, env.setup)
    env.workstations.append(ws)
    ws.store.proctors.set_pin(user_id=ws.user_id, username="pat", full_name="Pat Proctor", pin=PIN)
    ws.sit(0)
    yield folder, ws


def _app(qtbot: QtBot, folder: Path, url: str) -> tuple[App, SyncPanel]:
    app = App(load_config(server_url=url, data_dir=folder))
    qtbot.addWidget(app.window)
    app.start()
    qtbot.waitUntil(lambda: app.window.findChild(SyncPanel) is not None, timeout=10_000)
    panel = app.window.findChild(SyncPanel)
    assert isinstance(panel, SyncPanel) and app.flow is not None
    return app, panel


def _type(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _sign_in_dialog(qtbot: QtBot, app: App) -> SignInDialog:
    assert app.flow is not None
    qtbot.mouseClick(app.flow.deliveries_page.account_button, Qt.MouseButton.LeftButton)
    dialog = app.flow.sign_in_dialog
    assert isinstance(dialog, SignInDialog)
    return dialog


def _key_pin_dialog(qtbot: QtBot, app: App) -> PinDialog:
    assert app.unlocker is not None
    unlocker = app.unlocker
    qtbot.waitUntil(
        lambda: unlocker.pin_dialog is not None and unlocker.pin_dialog.isVisible(),
        timeout=10_000,
    )
    dialog = unlocker.pin_dialog
    assert dialog is not None and dialog.objectName() == "signingKeyPinDialog"
    return dialog


def _verifies(bundle: Path, public_key: str) -> bool:
    document = json.loads(bundle.read_bytes())
    signature = base64.b64decode(document.pop("signature"))
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
    key.verify(signature, canonical_json(document))  # raises when it does not match
    return True


def test_a_pin_sign_in_makes_the_key_file_and_the_exported_bundle_is_accepted(
    qtbot: QtBot, env: SyncEnv, no_keyring: None, desk: tuple[Path, Workstation], tmp_path: Path
) -> None:
    folder, ws = desk
    key_file = folder / "workstation-key.json"
    app, panel = _app(qtbot, folder, OFFLINE)
    assert not key_file.exists()
    dialog = _sign_in_dialog(qtbot, app)
    qtbot.waitUntil(lambda: dialog.pin_offer_button.isVisible(), timeout=10_000)
    qtbot.mouseClick(dialog.pin_offer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin_mode and dialog.pin_edit.hasFocus(), timeout=10_000)
    _type(qtbot, dialog.pin_edit, PIN)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(key_file.exists, timeout=10_000)  # the PIN sign-in made it
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert PIN.encode() not in key_file.read_bytes()
    found = read_key_file(key_file)
    assert found is not None and [s.user_id for s in found.slots] == [ws.user_id]

    usb = tmp_path / "usb"
    usb.mkdir()
    panel.choose_bundle_path = lambda: usb / "ws.medxam-bundle"
    with qtbot.waitSignal(panel.exported, timeout=20_000):
        qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    assert app.unlocker is not None and app.unlocker.pin_dialog is None  # nothing asked
    bundle = usb / "ws.medxam-bundle"
    assert _verifies(bundle, found.public_key)

    # Online once, the reconcile registers the key (as the pusher does it); then the
    # admin imports the bundle and the attempt is complete on the server.
    client = ApiClient(env.url)
    client.login("pat", PASSWORD)
    client.register_workstation_key(ws.store.workstation_id, found.public_key)
    client.close()
    admin = ApiClient(env.direct_url)
    admin.login("admin", PASSWORD)
    receipt = admin.import_bundle(bundle.read_bytes())
    admin.close()
    assert [a["integrity"] for a in receipt["attempts"]] == ["complete"]
    app.close()


def test_after_a_restart_the_export_asks_for_a_pin_that_opens_the_key(
    qtbot: QtBot, no_keyring: None, desk: tuple[Path, Workstation], tmp_path: Path
) -> None:
    folder, ws = desk
    store = ws.store
    pat = store.proctors.verify("pat", PIN)
    assert pat is not None
    unlock_with_pin(store, pat, PIN)  # an earlier run made the key file
    store.proctors.set_pin(user_id="user-kim", username="kim", full_name="Kim Lee", pin=KIM_PIN)
    forget_unlocked_keys()  # this run: locked
    public_key = signing_public_key(folder)
    app, panel = _app(qtbot, folder, OFFLINE)
    usb = tmp_path / "usb"
    usb.mkdir()
    panel.choose_bundle_path = lambda: usb / "ws.medxam-bundle"

    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    dialog = _key_pin_dialog(qtbot, app)
    assert "signing key is locked" in dialog.message.text()
    _type(qtbot, dialog.pin_input, WRONG_PIN)
    qtbot.waitUntil(lambda: "not right" in dialog.message.text(), timeout=10_000)
    assert dialog.isVisible() and list(usb.iterdir()) == []
    with pytest.raises(SigningKeyLockedError):
        signing_key_for(store)  # a wrong PIN opened nothing

    _type(qtbot, dialog.pin_input, KIM_PIN)  # Kim's own PIN, but no share of the key
    qtbot.waitUntil(lambda: "Pat Proctor (pat)" in panel.message.text(), timeout=10_000)
    assert not dialog.isVisible() and panel.export_button.isEnabled()
    assert list(usb.iterdir()) == []

    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    dialog = _key_pin_dialog(qtbot, app)
    said: list[str] = []  # (a sync failing offline may say its own words right after)
    panel.exported.connect(lambda _summary: said.append(panel.message.text()))
    with qtbot.waitSignal(panel.exported, timeout=20_000):
        _type(qtbot, dialog.pin_input, PIN)
    assert _verifies(usb / "ws.medxam-bundle", public_key)
    assert "Bundle written" in said[0]
    app.close()


class _Latest(random.Random):
    """Full jitter at its longest: the scheduler's own retry comes 10 minutes later."""

    def uniform(self, a: float, b: float) -> float:
        return b


def signing_public_key(folder: Path) -> str:
    found = read_key_file(folder / "workstation-key.json")
    assert found is not None
    return found.public_key


def test_a_sync_waiting_for_the_key_goes_on_once_a_pin_unlocks_it(
    qtbot: QtBot, env: SyncEnv, no_keyring: None, desk: tuple[Path, Workstation]
) -> None:
    folder, ws = desk
    pat = ws.store.proctors.verify("pat", PIN)
    assert pat is not None
    unlock_with_pin(ws.store, pat, PIN)
    ws.pusher.sync()  # an earlier run, online: the key is registered, the attempt synced
    ws.sit(1)  # then this attempt was queued, and the program restarted
    forget_unlocked_keys()
    queued = ws.store.outbox.counts().pending
    assert queued > 0

    app, panel = _app(qtbot, folder, env.url)
    assert app.sync is not None
    app.sync.pusher.backoff = Backoff(base_s=600.0, cap_s=600.0, rng=_Latest())
    dialog = _sign_in_dialog(qtbot, app)  # no keyring: the password again, no PIN
    qtbot.keyClicks(dialog.username_edit, "pat")
    _type(qtbot, dialog.password_edit, PASSWORD)
    qtbot.waitUntil(lambda: panel.unlock_button.isVisible(), timeout=20_000)
    assert "Sync waits for a proctor's PIN" in panel.message.text()
    assert "Pat Proctor (pat)" in panel.message.text()
    assert ws.store.outbox.counts().pending == queued  # kept, nothing sent unsigned

    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    pin_dialog = _key_pin_dialog(qtbot, app)
    _type(qtbot, pin_dialog.pin_input, PIN)
    # At once, not at the next retry (10 minutes away): the unlock goes on with the sync.
    qtbot.waitUntil(lambda: ws.store.outbox.counts().pending == 0, timeout=15_000)
    qtbot.waitUntil(lambda: not panel.unlock_button.isVisible(), timeout=10_000)
    wait_for_all()
    env.holds(ws)
    app.close()
