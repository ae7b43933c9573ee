"""The proctor's room view next to a candidate's exam window, on one real Store
(FakeClock), for tests/desktop/test_proctor_room*.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.room_dialogs import RoomActionDialog
from medxam_desktop.ui.proctor.room_model import HEADERS
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.exam_window_support import SatExam, open_exam
from tests.desktop.sample_exam import DELIVERY_ID

OFFLINE = "http://127.0.0.1:9"
PIN = "73915824"
KIM_PIN = "64082719"


def room_for(qtbot: QtBot, sat: SatExam) -> ProctorFlow:
    """The proctor's flow on the exam's store, showing the room view of its delivery."""
    sat.store.proctors.set_pin(user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN)
    client = ApiClient(OFFLINE)
    flow = ProctorFlow(sat.store, ProctorSession(client, CredentialStore(OFFLINE)))
    qtbot.addWidget(flow)
    flow.resize(1000, 640)
    flow.show()
    flow.open_delivery(DELIVERY_ID)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    focus_room(qtbot, flow)
    return flow


def focus_room(qtbot: QtBot, flow: ProctorFlow) -> None:
    flow.activateWindow()
    qtbot.waitUntil(flow.isActiveWindow, timeout=5_000)
    flow.roster_page.filter_edit.setFocus()


def cells(flow: ProctorFlow, row: int = 0) -> dict[str, str]:
    model = flow.roster_page.model
    return {h: str(model.index(row, c).data()) for c, h in enumerate(HEADERS)}


def open_action(qtbot: QtBot, flow: ProctorFlow, keys: str) -> RoomActionDialog:
    """Press the action's shortcut in the room view; the dialog it opens."""
    key, modifier = (
        {
            "Ctrl+T": Qt.Key.Key_T,
            "Ctrl+I": Qt.Key.Key_I,
            "Ctrl+P": Qt.Key.Key_P,
            "Ctrl+R": Qt.Key.Key_R,
        }[keys],
        Qt.KeyboardModifier.ControlModifier,
    )
    qtbot.keyClick(flow.roster_page.filter_edit, key, modifier)
    qtbot.waitUntil(lambda: flow.room.dialog is not None, timeout=5_000)
    dialog = flow.room.dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    return dialog


def confirm(qtbot: QtBot, flow: ProctorFlow, dialog: RoomActionDialog, pin: str) -> bool:
    """Type the PIN and press Enter; wait until the store answered. True when the dialog
    closed (the action was done), False when it still asks."""
    dialog.pin_edit.clear()
    dialog.pin_edit.setFocus()
    qtbot.keyClicks(dialog.pin_edit, pin)
    qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: flow.room.dialog is not dialog or dialog.ok_button.isEnabled(), timeout=10_000
    )
    wait_for_all()
    QApplication.processEvents()
    return flow.room.dialog is not dialog


@pytest.fixture
def exam_room(tmp_path: Path, qtbot: QtBot) -> Iterator[tuple[SatExam, ProctorFlow]]:
    """A candidate's exam window (5 questions, 60 minutes, FakeClock) and the room view."""
    for sat in open_exam(tmp_path, qtbot):
        flow = room_for(qtbot, sat)
        yield sat, flow
        flow.room.timer.stop()
        wait_for_all()
