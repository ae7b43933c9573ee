"""The sync panel's words: "Sync now" with nothing queued says so; the bundle key
problem is one plain line (no server jargon); the tables fit at the default size."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.proctor.sync_panel import NOTHING_TO_SEND, SyncPanel
from medxam_desktop.ui.proctor.sync_scheduler import SyncScheduler
from medxam_desktop.ui.proctor.widgets import KEYRING_WORDS
from medxam_desktop.ui.tasks import wait_for_all
from medxam_server.config import Settings
from tests.contract.sync_support import SyncEnv, sync_env


@pytest.fixture
def env(server_settings: Settings, tmp_path: Path) -> Iterator[SyncEnv]:
    with sync_env(server_settings, tmp_path) as made:
        yield made
        wait_for_all()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sync_now_with_an_empty_queue_says_nothing_to_send(qtbot: QtBot, env: SyncEnv) -> None:
    ws = env.workstation()
    scheduler = SyncScheduler(ws.pusher)
    panel = SyncPanel(scheduler)
    qtbot.addWidget(panel)
    panel.show()
    panel.activateWindow()
    qtbot.waitUntil(panel.isActiveWindow, timeout=5_000)
    assert ws.store.outbox.counts().pending == 0
    with qtbot.waitSignal(scheduler.sync_finished, timeout=20_000):
        qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert panel.message.text() == NOTHING_TO_SEND

    ws.sit(0)  # something queued: then the count is said
    with qtbot.waitSignal(scheduler.sync_finished, timeout=20_000):
        panel.sync_button.click()
    assert panel.message.text().startswith("Synced: ")
    assert panel.message.text() != NOTHING_TO_SEND


def test_the_bundle_key_problem_in_plain_words() -> None:
    from medxam_desktop.ui.proctor.sync_panel import _bundle_key_words

    assert _bundle_key_words("No keyring backend is installed; ...") == KEYRING_WORDS
    words = _bundle_key_words("This endpoint needs a bearer token")
    assert "bearer" not in words and "token" not in words and "signed in" in words
