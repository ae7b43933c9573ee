"""Pause and resume from the room view, with words on the candidate's screen; resume goes
back to the question the candidate was on; paused time is never charged."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.room_dialogs import PauseDialog, ResumeDialog
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.exam_window_support import SatExam, exam_content, sit, start_attempt
from tests.desktop.room_support import (
    PIN,
    cells,
    confirm,
    exam_room,  # noqa: F401 (a fixture)
    focus_room,
    open_action,
    room_for,
)


def _on_question_3_after_10_s(qtbot: QtBot, sat: SatExam) -> None:
    sat.window.activateWindow()
    qtbot.waitUntil(sat.window.isActiveWindow, timeout=5_000)
    assert sat.window.go_to(2)
    sat.pass_time(10)


def test_pause_and_resume_with_words_on_screen_and_the_same_question(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    sat, flow = exam_room
    w = sat.window
    _on_question_3_after_10_s(qtbot, sat)
    focus_room(qtbot, flow)
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "In progress", timeout=10_000)
    dialog = open_action(qtbot, flow, "Ctrl+P")
    assert isinstance(dialog, PauseDialog)
    qtbot.keyClicks(dialog.reason, "toilet break")
    assert confirm(qtbot, flow, dialog, PIN)
    sat.settle()

    paused_at = sat.store.attempts.get(sat.attempt_id).paused_at
    assert paused_at is not None
    words = f"Paused by the proctor at {paused_at.astimezone():%H:%M} — your time is stopped."
    assert w.pages.currentWidget() is w.paused_label
    assert words in w.paused_label.text()
    assert "toilet break" not in w.paused_label.text()  # the proctor's reason stays theirs
    assert not w.countdown.running and w.header.time_left.text() == "Time stopped"
    assert not w.header.review.isEnabled()  # the review page would uncover the questions
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "Paused", timeout=10_000)
    record = [r for r in sat.store.outbox.records() if r.kind == "attempt.paused"][-1]
    assert dict(record.data) == {
        "reason": "toilet break",
        "by": "u-pat",
        "question_id": sat.shown_id(2),
    }

    # Ten minutes pass while paused, heartbeats and all: none of it is charged.
    for _ in range(120):
        sat.clock.advance(5_000)
        w.session.heartbeat()
        sat.settle()
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_A)  # nothing is answered behind the cover
    sat.settle()
    assert w.session.states[2].answer == ()
    assert sat.store.attempts.get(sat.attempt_id).remaining_ms == 60 * 60_000 - 10_000

    focus_room(qtbot, flow)
    qtbot.waitUntil(lambda: flow.roster_page.action_buttons["resume"].isEnabled(), timeout=10_000)
    resume = open_action(qtbot, flow, "Ctrl+R")
    assert isinstance(resume, ResumeDialog)
    assert confirm(qtbot, flow, resume, PIN)
    sat.settle()
    assert w.pages.currentWidget() is w.exam_page and w.header.review.isEnabled()
    assert w.session.row == 2 and w.header.position.text() == "Question 3 of 5"
    assert w.header.time_left.text() == "Time left 59:50"
    assert sat.store.attempts.get(sat.attempt_id).status is AttemptStatus.ACTIVE
    resumed = [r for r in sat.store.outbox.records() if r.kind == "attempt.resumed"]
    assert [dict(r.data) for r in resumed] == [{"by": "u-pat", "question_id": sat.shown_id(2)}]


def test_a_closed_window_reopens_at_the_question_the_candidate_was_on(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    """Resume after the window was closed: this run still holds the decrypted content,
    so the room view reopens the exam without the start code, at question 3."""
    sat, flow = exam_room
    flow.candidate_unlocked.emit(sat.attempt_id, sat.content)  # as the start code did
    _on_question_3_after_10_s(qtbot, sat)
    sat.store.attempts.pause(sat.attempt_id, by="u-pat", reason="window closed by proctor")
    sat.window.close_for_proctor()
    focus_room(qtbot, flow)
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "Paused", timeout=10_000)
    dialog = open_action(qtbot, flow, "Ctrl+R")
    with qtbot.waitSignal(flow.candidate_unlocked, timeout=10_000) as reopened:
        assert confirm(qtbot, flow, dialog, PIN)
    attempt_id, content = reopened.args
    assert attempt_id == sat.attempt_id and content is sat.content
    again = sit(sat.store, sat.clock, attempt_id, content, qtbot)
    assert again.window.session.row == 2
    assert again.window.header.position.text() == "Question 3 of 5"
    assert again.window.header.time_left.text() == "Time left 59:50"
    again.window.close_for_proctor()


def test_without_the_content_resume_asks_for_the_start_code(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    sat, flow = exam_room
    sat.store.attempts.pause(sat.attempt_id, by="u-pat", reason="restart")
    sat.window.close_for_proctor()
    focus_room(qtbot, flow)
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "Paused", timeout=10_000)
    qtbot.keyClick(flow.roster_page.filter_edit, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert flow.room.dialog is None
    assert flow.currentWidget() is flow.start_code_page


def test_downtime_credited_after_a_restart_is_shown_to_the_proctor(
    tmp_path: Path, qtbot: QtBot
) -> None:
    clock = FakeClock()
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=clock)
    attempt_id = start_attempt(store)
    store.answers.heartbeat(attempt_id)
    store.close()
    clock.advance(125_000)  # the power was off for two minutes and five seconds
    store = Store.open(path, clock=clock)  # the attempt comes back paused, time credited
    try:
        sat = SatExam(store, clock, attempt_id, exam_content(), None, qtbot)  # type: ignore[arg-type]
        flow = room_for(qtbot, sat)
        qtbot.waitUntil(lambda: cells(flow)["Status"] == "Paused", timeout=10_000)
        details = flow.roster_page.details_label.text()
        assert "restarted during this exam: 2 min 05 s of downtime was credited" in details
        flow.room.timer.stop()
    finally:
        wait_for_all()
        store.close()
