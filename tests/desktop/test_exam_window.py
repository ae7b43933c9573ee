"""A candidate sits a whole exam through the real widgets on a real Store (fake clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.ui.candidate.navigator import NavigatorRole
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.exam_window_support import SatExam, open_exam


@pytest.fixture
def sat(tmp_path: Path, qtbot: QtBot) -> Iterator[SatExam]:
    yield from open_exam(tmp_path, qtbot)


def press(
    sat: SatExam, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
) -> None:
    """A key press where a real one goes: to the widget with the keyboard focus."""
    target = QApplication.focusWidget() or sat.window
    sat.qtbot.keyClick(target, key, modifier)
    sat.settle()


def test_sit_a_whole_exam_by_keyboard(sat: SatExam) -> None:
    w, q = sat.window, sat.question_id
    assert w.header.position.text() == "Question 1 of 5"
    sat.pass_time(4)
    press(sat, Qt.Key.Key_B)  # answer
    assert w.header.save_indicator.text() == "Saved"
    sat.pass_time(2)
    press(sat, Qt.Key.Key_C)  # change
    sat.pass_time(1)
    press(sat, Qt.Key.Key_Right)  # question 2
    assert w.header.position.text() == "Question 2 of 5"
    sat.pass_time(3)
    press(sat, Qt.Key.Key_F)  # flag
    press(sat, Qt.Key.Key_A)
    press(sat, Qt.Key.Key_Delete)  # clear
    sat.pass_time(2)
    press(sat, Qt.Key.Key_PageDown)  # question 3 (multiple choice)
    sat.pass_time(4)
    for key in (Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_A):  # A+C, then A off again
        press(sat, key)
    assert [b.isChecked() for b in w.options.buttons] == [False, False, True, False, False]
    press(sat, Qt.Key.Key_Left)
    sat.pass_time(1)
    press(sat, Qt.Key.Key_PageUp)
    assert w.header.position.text() == "Question 1 of 5"
    assert w.options.buttons[2].isChecked()
    sat.pass_time(2)

    w.header.review.click()
    assert w.pages.currentWidget() is w.review_page
    listed = [w.review_page.items.item(i).text() for i in range(w.review_page.items.count())]
    assert listed == [
        "Question 2: not answered, flagged for review",
        "Question 4: not answered",
        "Question 5: not answered",
    ]
    assert "You answered 2 of 5 questions" in w.review_page.summary.text()
    w.review_page.submit_button.click()
    dialog = w.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    assert "3 questions not answered and 1 flagged" in dialog.message.text()
    dialog.submit_button.click()
    sat.settle()
    assert w.session.finished
    assert "Your exam has been submitted" in w.finished_label.text()

    saved = sat.store.answers.current(sat.attempt_id)
    assert saved[q(0)].answer == ("C",)
    assert saved[q(1)].answer == () and saved[q(1)].flagged
    assert saved[q(2)].answer == ("C",) and not saved[q(2)].flagged
    assert {k: v.time_spent_ms for k, v in saved.items()} == {
        q(0): 4000 + 2000 + 1000 + 2000,
        q(1): 3000 + 2000 + 1000,
        q(2): 4000,
    }
    assert sat.store.attempts.get(sat.attempt_id).status is AttemptStatus.FINISHED


def test_navigator_roles_follow_the_candidate(sat: SatExam) -> None:
    model, w = sat.window.navigator_model, sat.window
    assert model.index(1, 0).data(NavigatorRole.UNSEEN) is True
    press(sat, Qt.Key.Key_A)
    press(sat, Qt.Key.Key_F)
    first = model.index(0, 0)
    assert first.data(NavigatorRole.ANSWERED) and first.data(NavigatorRole.FLAGGED)
    assert first.data(NavigatorRole.CURRENT)
    w.navigator.clicked.emit(model.index(3, 0))  # a click on box 4
    sat.settle()
    assert model.index(3, 0).data(NavigatorRole.CURRENT)
    assert not model.index(3, 0).data(NavigatorRole.UNSEEN)
    assert not first.data(NavigatorRole.CURRENT)
    assert model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole) == (
        "Question 1, answered, flagged for review"
    )
    assert model.roleNames()[int(NavigatorRole.FLAGGED)].data() == b"flagged"


def test_strike_is_visual_only(sat: SatExam) -> None:
    w = sat.window
    sat.qtbot.mouseClick(w.options.buttons[1], Qt.MouseButton.LeftButton)  # choose B
    sat.settle()
    at = QPoint(5, 5)
    right_click = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, at, w.options.buttons[0].mapToGlobal(at)
    )
    QApplication.sendEvent(w.options.buttons[0], right_click)  # strike A
    press(sat, Qt.Key.Key_Down)  # the focus moves from B to C
    press(sat, Qt.Key.Key_S)  # strike C
    assert [b.struck for b in w.options.buttons] == [True, False, True, False, False]
    assert w.options.buttons[2].accessibleDescription() == "struck out"
    press(sat, Qt.Key.Key_S)  # un-strike C
    assert not w.options.buttons[2].struck
    assert not w.options.buttons[0].isChecked()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].answer == ("B",)
    press(sat, Qt.Key.Key_Right)
    assert not w.options.buttons[0].struck  # strikes belong to their question
    press(sat, Qt.Key.Key_Left)
    assert w.options.buttons[0].struck and w.options.buttons[1].isChecked()


def test_close_needs_the_proctors_pin(sat: SatExam) -> None:
    w = sat.window
    w.close()
    assert w.isVisible()
    dialog = w._pin_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.pin_input.setText("0000")
    dialog.ok_button.click()
    assert w.isVisible()
    assert "not right" in dialog.message.text()
    with sat.qtbot.waitSignal(w.closed_by_proctor):
        dialog.pin_input.setText("4711")
        dialog.ok_button.click()
    assert not w.isVisible()


def test_zoom_and_high_contrast_by_keyboard(sat: SatExam) -> None:
    w = sat.window
    size = w.question_view.font().pointSizeF()
    press(sat, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    press(sat, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert w.question_view.font().pointSizeF() > size
    press(sat, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert w.zoom_factor == 1.15
    press(sat, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert w.question_view.font().pointSizeF() == size
    sat.qtbot.keyClick(
        w, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert w.theme == "high_contrast" and w.header.contrast.isChecked()
    assert "#ffff00" in w.styleSheet()
    w.header.contrast.click()
    assert w.theme == "normal"


def test_every_control_has_an_object_name_and_an_accessible_name(sat: SatExam) -> None:
    w = sat.window
    w.show_review()
    w.ask_to_submit()
    w.ask_for_pin()
    controls = (QAbstractButton, QLabel, QAbstractItemView, QTextEdit, QLineEdit, QListWidget)
    found = [c for c in w.findChildren(QWidget) if isinstance(c, controls)]
    assert len(found) > 25
    missing = [
        f"{type(c).__name__}:{c.objectName()!r}"
        for c in found
        if not c.objectName() or not c.accessibleName()
    ]
    assert missing == []


def test_the_timer_label_is_not_a_live_region(sat: SatExam) -> None:
    w = sat.window
    before = w.header.time_left.text()
    sat.pass_time(5)
    assert w.header.time_left.text() != before
    assert w.header.time_left.accessibleName() == "Time left"  # not re-read every second


def test_space_on_the_focused_option_chooses_it(sat: SatExam) -> None:
    w = sat.window
    press(sat, Qt.Key.Key_PageDown)
    press(sat, Qt.Key.Key_PageDown)  # question 3: multiple choice
    press(sat, Qt.Key.Key_Down)  # focus: A -> B
    press(sat, Qt.Key.Key_Space)
    press(sat, Qt.Key.Key_Down)
    press(sat, Qt.Key.Key_Down)  # D
    press(sat, Qt.Key.Key_Return)
    assert w.options.focused_label() == "D"
    saved = sat.store.answers.current(sat.attempt_id)[sat.question_id(2)]
    assert saved.answer == ("B", "D")


def test_keys_work_with_the_focus_on_the_stem(sat: SatExam) -> None:
    w = sat.window
    w.question_view.setFocus()
    sat.qtbot.waitUntil(lambda: QApplication.focusWidget() is w.question_view)
    press(sat, Qt.Key.Key_Right)
    press(sat, Qt.Key.Key_C)
    press(sat, Qt.Key.Key_PageDown)
    assert w.session.row == 2
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(1)].answer == ("C",)


def test_review_and_submit_without_a_mouse(sat: SatExam) -> None:
    w = sat.window
    press(sat, Qt.Key.Key_B)
    press(sat, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)  # "Review and submit"
    assert w.pages.currentWidget() is w.review_page
    assert QApplication.focusWidget() is w.review_page.items
    press(sat, Qt.Key.Key_Down)  # from question 2 to question 3 in the list
    press(sat, Qt.Key.Key_Return)  # back to that question
    assert w.pages.currentWidget() is w.exam_page and w.session.row == 2
    press(sat, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    press(sat, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # "Submit the exam…"
    dialog = w.confirm_dialog
    assert dialog is not None and QApplication.focusWidget() is dialog.cancel_button
    press(sat, Qt.Key.Key_Return)  # the default is to keep working
    assert not w.session.finished and w.confirm_dialog is None
    press(sat, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    dialog = w.confirm_dialog
    assert dialog is not None
    press(sat, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.submit_button
    press(sat, Qt.Key.Key_Space)
    assert w.session.finished


def test_an_answer_given_just_before_the_window_closes_reaches_the_store(sat: SatExam) -> None:
    w = sat.window
    sat.qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key.Key_E)  # no settling
    w.close_for_proctor()
    wait_for_all()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].answer == ("E",)


def test_the_end_screen_shows_the_receipt_once_the_server_confirmed(sat: SatExam) -> None:
    w = sat.window
    press(sat, Qt.Key.Key_B)
    press(sat, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    press(sat, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    press(sat, Qt.Key.Key_Tab)
    press(sat, Qt.Key.Key_Space)
    assert w.session.finished and w.pages.currentWidget() is w.finished_label
    assert "Receipt" not in w.finished_label.text()  # nothing confirmed yet
    assert w.receipt_timer.isActive()
    # What the pusher stores when a receipt says the attempt is complete.
    sat.store.outbox.apply_attempt_results(
        [{"attempt_id": sat.attempt_id, "integrity": "complete", "receipt_code": "K7F3-9QX2"}]
    )
    w.session.look_for_receipt()  # the timer's tick, without waiting 2 s
    sat.qtbot.waitUntil(lambda: w.receipt_code == "K7F3-9QX2", timeout=5_000)
    assert "K7F3-9QX2" in w.finished_label.text()
    assert not w.receipt_timer.isActive()
