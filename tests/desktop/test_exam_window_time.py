"""The countdown on the candidate's screen: warnings at 15, 5 and 1 minutes, automatic
submission at 0, and time credited by the store (a suspend) is never taken away."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.timing import format_time_left
from tests.desktop.exam_window_support import open_exam


def test_warnings_at_15_5_and_1_minutes_once_each(tmp_path: Path, qtbot: QtBot) -> None:
    for sat in open_exam(tmp_path, qtbot, minutes=16):
        w = sat.window
        warned: list[int] = []
        announced: list[str] = []
        w.countdown.warned.connect(warned.append)
        w.announced.connect(announced.append)
        assert w.header.time_left.text() == "Time left 16:00"
        sat.pass_time(55)
        assert warned == [] and not w.time_warning.isVisible()
        sat.pass_time(5)  # 15:00 left
        assert warned == [15]
        assert w.time_warning.isVisible() and w.time_warning.text() == "15 minutes left."
        sat.pass_time(10 * 60)
        assert warned == [15, 5]
        sat.pass_time(4 * 60 - 5)
        assert warned == [15, 5]
        sat.pass_time(5)
        assert warned == [15, 5, 1] and w.time_warning.text() == "1 minute left."
        assert w.header.time_left.text() == "Time left 1:00"
        assert w.header.time_left.accessibleName() == "Time left"
        assert not w.session.finished
        # 15 minutes of ticking, and the screen reader heard exactly three things:
        assert announced == ["15 minutes left.", "5 minutes left.", "1 minute left."]


def test_automatic_submission_at_time_zero(tmp_path: Path, qtbot: QtBot) -> None:
    for sat in open_exam(tmp_path, qtbot, minutes=1):
        w = sat.window
        qtbot.keyClick(w, Qt.Key.Key_D)
        sat.settle()
        w.ask_to_submit()  # a confirmation left open when the time runs out is closed
        assert w.confirm_dialog is not None and w.confirm_dialog.isVisible()
        with qtbot.waitSignal(w.exam_submitted, timeout=10_000) as submitted:
            sat.pass_time(60)
        assert submitted.args == [sat.attempt_id, True]
        sat.settle()
        assert w.session.finished and w.confirm_dialog is None
        assert "The time is up" in w.finished_label.text()
        view = sat.store.attempts.get(sat.attempt_id)
        assert view.status is AttemptStatus.FINISHED and view.remaining_ms == 0
        saved = sat.store.answers.current(sat.attempt_id)[sat.question_id(0)]
        assert saved.answer == ("D",) and saved.time_spent_ms == 60_000
        w.close()  # submitted: the window may close without a PIN
        assert not w.isVisible()


def test_time_the_store_credits_is_not_taken_by_the_countdown(tmp_path: Path, qtbot: QtBot) -> None:
    """A suspend (or a hung process) is credited by the store; the screen follows it."""
    for sat in open_exam(tmp_path, qtbot, minutes=1):
        w = sat.window
        sat.pass_time(30)
        sat.clock.suspend(10 * 60_000)  # the machine slept for ten minutes
        w.countdown.tick()  # the screen alone would say the time is up...
        sat.settle()
        assert not w.session.finished  # ...but the store is asked first
        assert w.header.time_left.text() == "Time left 0:30"
        assert sat.store.attempts.get(sat.attempt_id).status is AttemptStatus.ACTIVE


def test_time_left_format() -> None:
    assert format_time_left(0) == "0:00"
    assert format_time_left(1) == "0:01"  # rounded up: 0:00 means really over
    assert format_time_left(59_000) == "0:59"
    assert format_time_left(3_600_000 + 61_000) == "1:01:01"


def test_pause_hides_the_question_and_stops_the_clock(tmp_path: Path, qtbot: QtBot) -> None:
    for sat in open_exam(tmp_path, qtbot, minutes=10):
        w = sat.window
        sat.pass_time(5)
        sat.store.attempts.pause(sat.attempt_id, by="p1", reason="fire alarm")
        w.show_paused("The proctor paused the exam.")
        assert w.pages.currentWidget() is w.paused_label and not w.countdown.running
        qtbot.keyClick(w, Qt.Key.Key_A)  # nothing happens behind the cover
        sat.clock.advance(20_000)
        sat.settle()
        assert w.session.states[0].answer == ()
        assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].answer == ()
        sat.store.attempts.resume(sat.attempt_id, by="p1")
        w.show_resumed()
        sat.settle()
        assert w.pages.currentWidget() is w.exam_page
        assert w.header.time_left.text() == "Time left 9:55"  # the pause was not counted
