"""The sync panel's words: "Sync now" with nothing queued says so; the bundle key
problem is one plain line (no server jargon); the tables fit at the default size."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.proctor.sync_panel import NOTHING_TO_SEND, SyncPanel
from medxam_desktop.ui.proctor.sync_scheduler import SyncScheduler
from medxam_desktop.ui.proctor.widgets import KEYRING_WORDS
from medxam_desktop.ui.tasks import wait_for_all
from tests.contract.sync_support import SyncEnv


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


def test_the_tables_fit_the_dock_at_the_default_size(qtbot: QtBot, tmp_path: Path) -> None:
    """No sideways scrolling: the receipt codes stay in sight, long text is elided."""
    from medxam_desktop.store import Store
    from medxam_desktop.sync.api_client import ApiClient
    from medxam_desktop.sync.pusher import Pusher
    from medxam_desktop.ui.main_window import MainWindow
    from medxam_desktop.ui.proctor.sync_panel import _fill

    with Store.open(tmp_path / "store.sqlite3") as store:
        panel = SyncPanel(SyncScheduler(Pusher(store, ApiClient("http://127.0.0.1:9"))))
        window = MainWindow(server_url="http://127.0.0.1:9")
        qtbot.addWidget(window)
        window.show_sync_panel(panel)
        window.show()  # the default size
        _fill(panel.receipts, [(f"C{i} A very long candidate name {i}", "finished",
                                "complete", "K7F3-9QX2") for i in range(8)])  # fmt: skip
        _fill(panel.quarantine, [("41", "attempt.time_extended", "x" * 300)])
        qtbot.wait(50)
        for table in (panel.receipts, panel.quarantine):
            header = table.horizontalHeader()
            used = sum(header.sectionSize(c) for c in range(header.count()))
            assert used <= table.viewport().width(), table.objectName()
        cell = panel.quarantine.item(0, 2)
        assert cell is not None and cell.toolTip() == "x" * 300
        wait_for_all()
