"""The candidate's screen, issue 14: who is sitting, "Review" on the review page, no clock
after the end, a save indicator that never widens the window, check boxes for multiple
response, and zoom that stays within the window (Ctrl+0 back to normal)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.candidate.option_list import MULTIPLE_HINT, SINGLE_HINT
from medxam_desktop.ui.widgets.themes import ZOOM_STEPS
from tests.desktop.exam_window_support import SatExam, open_exam

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def sat(tmp_path: Path, qtbot: QtBot) -> Iterator[SatExam]:
    yield from open_exam(tmp_path, qtbot)


def _mark(sat: SatExam, index: int) -> str:
    label = sat.window.options.buttons[index].findChild(QLabel, "optionMark")
    assert label is not None
    return label.text()


def test_the_candidate_review_and_the_end(sat: SatExam, qtbot: QtBot) -> None:
    w = sat.window
    assert w.header.candidate.text() == "C-001 · Ada Lovelace"
    assert w.header.candidate.isVisible()
    qtbot.keyClick(w, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    assert w.pages.currentWidget() is w.review_page
    assert w.header.position.text() == "Review"
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert w.header.position.text() == "Question 1 of 5"
    w.session.submit()
    sat.settle()
    assert w.session.finished
    assert not w.header.time_left.isVisible() and not w.countdown.running
    assert w.header.position.text() == "Submitted"


def test_saved_appearing_does_not_widen_anything(sat: SatExam, qtbot: QtBot) -> None:
    w = sat.window
    indicator = w.header.save_indicator
    assert indicator.text() == ""
    before = (w.header.sizeHint().width(), w.width(), indicator.width())
    qtbot.keyClick(w, Qt.Key.Key_B)
    sat.settle()
    assert indicator.text() == "Saved"
    assert (w.header.sizeHint().width(), w.width(), indicator.width()) == before
    assert indicator.minimumWidth() == indicator.maximumWidth()


def test_multiple_response_options_are_check_boxes(sat: SatExam, qtbot: QtBot) -> None:
    w = sat.window
    assert w.options.hint.text() == SINGLE_HINT and _mark(sat, 0) == "○"
    qtbot.keyClick(w, Qt.Key.Key_A)
    assert _mark(sat, 0) == "●"
    assert w.go_to(2)  # the third question is multiple response
    assert w.options.hint.text() == MULTIPLE_HINT
    assert [_mark(sat, i) for i in range(5)] == ["☐"] * 5
    qtbot.keyClick(w, Qt.Key.Key_A)
    qtbot.keyClick(w, Qt.Key.Key_C)
    assert [_mark(sat, i) for i in range(5)] == ["☑", "☐", "☑", "☐", "☐"]
    assert w.options.buttons[0].accessibleDescription() == "check box"
    sat.settle()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(2)].answer == ("A", "C")


def test_the_largest_zoom_stays_in_the_window_and_ctrl_0_resets_it(
    sat: SatExam, qtbot: QtBot
) -> None:
    w = sat.window
    size = w.size()
    for _ in range(len(ZOOM_STEPS)):
        qtbot.keyClick(w, Qt.Key.Key_Equal, CTRL)
    assert w.zoom_factor == max(ZOOM_STEPS)
    qtbot.wait(50)  # let the layout settle
    assert w.size() == size  # the window did not grow: the exam scrolls inside it
    screen = w.screen().availableGeometry()
    assert w.minimumSizeHint().width() <= screen.width()
    assert w.minimumSizeHint().height() <= screen.height()
    qtbot.keyClick(w, Qt.Key.Key_0, CTRL)
    assert w.zoom_factor == 1.0
