"""ui/tasks.py: callbacks run on the UI thread, and are dropped once their owner is gone."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.tasks import run_in_background, run_on_store, wait_for_all


class _Listener(QObject):
    told = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.results: list[object] = []

    def note(self, result: object) -> None:
        self.results.append(result)


def test_callbacks_run_on_the_ui_thread(qtbot: QtBot) -> None:
    seen: list[bool] = []
    run_on_store(
        lambda: threading.current_thread() is threading.main_thread(),
        on_done=lambda off_main: seen.extend(
            [off_main, threading.current_thread() is threading.main_thread()]
        ),
    )
    qtbot.waitUntil(lambda: len(seen) == 2)
    assert seen == [False, True]


def test_a_deleted_owner_gets_no_callback(qtbot: QtBot) -> None:
    release = threading.Event()
    listener = _Listener()
    run_in_background(lambda: release.wait(5) and 42, on_done=listener.told.emit, owner=listener)
    bound = _Listener()
    run_in_background(lambda: release.wait(5) and 43, on_done=bound.note)
    kept = _Listener()
    run_in_background(lambda: 44, on_done=kept.note)
    listener.deleteLater()
    bound.deleteLater()
    qtbot.waitUntil(lambda: kept.results == [44])
    qtbot.wait(50)  # let the deferred deletes happen
    release.set()
    assert wait_for_all()
    qtbot.wait(50)  # deliver the queued results: none may raise
