"""At the candidate's own screen: Ctrl+Shift+P and the proctor's PIN pause the exam (the
words on screen, the time stopped, the proctor recorded); again resumes at the question."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.proctor.exam_close import ExamCloseGuard
from medxam_desktop.ui.tasks import wait_for_all
from medxam_desktop.ui.widgets.pin_dialog import PinDialog
from tests.desktop.exam_window_support import SatExam, exam_content, start_attempt

PIN = "73915824"
PAUSE_KEYS = (Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)


def _pin(qtbot: QtBot, window: ExamWindow, pin: str) -> PinDialog:
    qtbot.waitUntil(lambda: window.follow.pin_dialog is None, timeout=5_000)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(window, *PAUSE_KEYS)
    dialog = window.follow.pin_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.objectName() == "pausePinDialog"
    qtbot.keyClicks(dialog.pin_input, pin)
    qtbot.keyClick(dialog.pin_input, Qt.Key.Key_Return)
    return dialog


def test_ctrl_shift_p_pauses_and_resumes_with_the_pin(tmp_path: Path, qtbot: QtBot) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "store.sqlite3", clock=clock)
    store.proctors.set_pin(user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN)
    attempt_id = start_attempt(store)
    guard = ExamCloseGuard(store, attempt_id)
    window = ExamWindow(store, attempt_id, exam_content(), clock, verify_pin=guard.verify)
    guard.watch(window)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5_000)
    sat = SatExam(store, clock, attempt_id, window.content, window, qtbot)
    qtbot.waitUntil(lambda: window.session.is_loaded, timeout=10_000)
    sat.settle()
    assert window.go_to(1)
    sat.pass_time(10)

    wrong = _pin(qtbot, window, "11111111")
    assert "not right" in wrong.message.text() and wrong.isVisible()
    wrong.reject()
    assert store.attempts.get(attempt_id).status is AttemptStatus.ACTIVE

    _pin(qtbot, window, PIN)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.paused_label, timeout=10_000)
    assert "Paused by the proctor at" in window.paused_label.text()
    step = store.attempts.transitions(attempt_id)[-1]
    assert (step.action, step.by) == ("pause", "u-pat")
    clock.advance(120_000)  # two minutes paused: not counted

    _pin(qtbot, window, PIN)
    qtbot.waitUntil(lambda: window.pages.currentWidget() is window.exam_page, timeout=10_000)
    sat.settle()
    assert window.session.row == 1 and window.header.time_left.text() == "Time left 59:50"
    assert store.attempts.transitions(attempt_id)[-1].action == "resume"
    window.close_for_proctor()
    wait_for_all()
    store.close()
