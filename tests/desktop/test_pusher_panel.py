"""The sync panel and its scheduler, real widgets against the real server (SQLite):
start-up push, a local write pushing by itself, Ctrl+S, backoff after a 503, sign-in
needed after a 401, and the USB export with its progress bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.sync.bundle_export import BundleSummary
from medxam_desktop.ui.proctor.sync_panel import SyncPanel
from medxam_desktop.ui.proctor.sync_scheduler import SyncScheduler
from tests.contract.fault_proxy import Fault
from tests.contract.sync_support import SyncEnv, Workstation


def _panel(qtbot: QtBot, ws: Workstation) -> tuple[SyncScheduler, SyncPanel]:
    scheduler = SyncScheduler(ws.pusher)
    panel = SyncPanel(scheduler)
    qtbot.addWidget(panel)
    panel.show()
    return scheduler, panel


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_panel_shows_the_sync_and_pushes_on_its_own(
    qtbot: QtBot, env: SyncEnv, tmp_path: Path
) -> None:
    ws = env.workstation()
    attempt = ws.sit(0)
    scheduler, panel = _panel(qtbot, ws)
    with qtbot.waitSignal(scheduler.status_changed, timeout=20_000):
        scheduler.start()
    qtbot.waitUntil(lambda: panel.counts["queued"].text() == "0", timeout=10_000)
    code = ws.store.attempts.get(attempt).receipt_code
    cell = panel.receipts.item(0, 3)
    assert code and cell is not None and cell.text() == code
    assert panel.counts["contact"].text() != "never" and panel.counts["clock"].text() != "–"

    # A local write pushes by itself (debounced), no button pressed.
    with qtbot.waitSignal(scheduler.sync_finished, timeout=20_000):
        ws.sit(1)
    qtbot.waitUntil(lambda: ws.store.outbox.counts().pending == 0, timeout=10_000)

    # 503 with Retry-After: the message says so and a retry is scheduled, not a loop.
    env.proxy.add(Fault.UNAVAILABLE, times=1)
    ws.sit(2, finish=False)
    with qtbot.waitSignal(scheduler.sync_failed, timeout=20_000):
        pass
    assert scheduler.retry_in_ms >= 900  # never sooner than Retry-After (1 s)
    assert "busy" in panel.message.text() and "Next try" in panel.message.text()
    with qtbot.waitSignal(scheduler.sync_finished, timeout=20_000):
        qtbot.keyClick(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    env.holds(ws)

    # Signed out on the server: the queue stays, the proctor is asked to sign in.
    ws.client.logout()
    ws.store.attempts.finish(ws.store.outbox.records()[-1].attempt_id, by=ws.user_id)
    with qtbot.waitSignal(scheduler.sign_in_needed, timeout=20_000):
        pass
    assert ws.store.outbox.counts().pending > 0
    ws.client.login("pat", "correct horse battery staple")
    with qtbot.waitSignal(scheduler.sync_finished, timeout=20_000):
        scheduler.reconnected(spread_ms=0)
    env.holds(ws)

    # USB export: a progress bar, then a summary; the window never waits.
    target = tmp_path / "export.medxam-bundle"
    with qtbot.waitSignal(panel.exported, timeout=20_000) as exported:
        panel.export_to(target)
        assert panel.progress.isVisible()
    summary = exported.args[0]
    assert isinstance(summary, BundleSummary) and target.exists()
    assert not panel.progress.isVisible() and "Bundle written" in panel.message.text()
