"""A shuffled exam through the real widgets on a real Store: each attempt its own order,
the same order again after the window closes and the workstation restarts, letters and
keys by position on screen, answers in the options' own labels."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.candidate.navigator import NavigatorRole
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.exam_window_support import SatExam, exam_content, open_exam, sit, start_attempt

QUESTIONS = 20


@pytest.fixture
def sat(tmp_path: Path, qtbot: QtBot) -> Iterator[SatExam]:
    yield from open_exam(
        tmp_path, qtbot, questions=QUESTIONS, shuffle_questions=True, shuffle_options=True
    )


def press(sat: SatExam, key: Qt.Key) -> None:
    sat.qtbot.keyClick(QApplication.focusWidget() or sat.window, key)
    sat.settle()


def on_screen(window: ExamWindow) -> list[tuple[str, str, str]]:
    """Each visible option as the candidate sees it: (letter, accessible name, own label)."""
    seen = []
    for button in window.options.buttons:
        letter = button.findChild(QLabel, "optionLetter")
        if button.isVisible() and letter is not None:
            seen.append((letter.text(), button.accessibleName(), button.label))
    return seen


def question_order(window: ExamWindow) -> list[str]:
    model = window.navigator_model
    return [model.index(r, 0).data(NavigatorRole.QUESTION_ID) for r in range(model.rowCount())]


def option_orders(window: ExamWindow) -> list[list[str]]:
    return [[o.label for o in s.options] for s in window.session.shown]


def test_the_navigator_shows_the_attempts_own_order(sat: SatExam) -> None:
    w, ids = sat.window, [q.id for q in sat.content.questions]
    order = question_order(w)
    assert sorted(order) == sorted(ids) and order != ids  # 20! orders: never the package's
    assert [w.navigator_model.index(r, 0).data() for r in range(QUESTIONS)] == [
        str(r + 1) for r in range(QUESTIONS)
    ]  # numbered in the order shown
    assert order == [sat.shown_id(r) for r in range(QUESTIONS)]
    first = sat.content.question(order[0])  # its stem reads "Question <position>"
    assert w.header.position.text() == "Question 1 of 20"
    assert w.question_view.toPlainText().split()[:2] == ["Question", str(first.position)]
    w.navigator.clicked.emit(w.navigator_model.index(6, 0))  # the box numbered 7
    sat.settle()
    assert w.session.question.id == order[6] and w.header.position.text() == "Question 7 of 20"


def test_options_are_lettered_in_the_order_shown_and_a_records_the_first(sat: SatExam) -> None:
    w = sat.window
    row = next(r for r, q in enumerate(w.session.questions) if not q.allows_several)
    if row:
        w.go_to(row)
        sat.settle()
    shown = w.session.shown_question
    labels = [o.label for o in shown.options]
    assert sorted(labels) == ["A", "B", "C", "D", "E"]
    assert [letter for letter, _name, _label in on_screen(w)] == ["A.", "B.", "C.", "D.", "E."]
    assert [name for _letter, name, _label in on_screen(w)] == [
        f"Option {letter}: Option {label}" for letter, label in zip("ABCDE", labels, strict=True)
    ]
    sat.pass_time(3)
    press(sat, Qt.Key.Key_A)
    saved = sat.store.answers.current(sat.attempt_id)
    assert saved[sat.shown_id(row)].answer == (labels[0],)  # the own label, not "A"
    assert saved[sat.shown_id(row)].time_spent_ms == 3000  # time by question id
    assert [b.isChecked() for b in w.options.buttons] == [True, False, False, False, False]
    press(sat, Qt.Key.Key_D)
    assert sat.store.answers.current(sat.attempt_id)[sat.shown_id(row)].answer == (labels[3],)
    assert w.options.buttons[3].isChecked() and not w.options.buttons[0].isChecked()


def test_a_multiple_answer_is_recorded_in_the_packages_label_order(sat: SatExam) -> None:
    w = sat.window
    row = next(r for r, q in enumerate(w.session.questions) if q.allows_several)
    w.go_to(row)
    sat.settle()
    labels = [o.label for o in w.session.shown_question.options]
    press(sat, Qt.Key.Key_E)
    press(sat, Qt.Key.Key_A)
    answer = sat.store.answers.current(sat.attempt_id)[sat.shown_id(row)].answer
    assert answer == tuple(sorted((labels[4], labels[0])))  # "A".."E" as the package has them
    assert [b.isChecked() for b in w.options.buttons] == [True, False, False, False, True]


def test_a_strike_follows_the_option_not_its_place(sat: SatExam) -> None:
    w = sat.window
    w.options.move_focus(+1)  # the focus on the second option shown
    press(sat, Qt.Key.Key_S)
    struck = w.options.buttons[1].label
    assert w.session.state.struck == {struck}
    assert [b.struck for b in w.options.buttons] == [False, True, False, False, False]


def test_each_attempt_sees_its_own_order(tmp_path: Path, qtbot: QtBot) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "store.sqlite3", clock=clock)
    content = exam_content(QUESTIONS, shuffle_questions=True, shuffle_options=True)
    seen: list[tuple[list[str], list[list[str]]]] = []
    for taker in (0, 1):
        attempt_id = start_attempt(store, questions=QUESTIONS, taker=taker)
        sat = sit(store, clock, attempt_id, content, qtbot)
        seen.append((question_order(sat.window), option_orders(sat.window)))
        sat.window.close_for_proctor()
        wait_for_all()
    store.close()
    (first_questions, first_options), (second_questions, second_options) = seen
    assert sorted(first_questions) == sorted(second_questions)
    assert first_questions != second_questions
    assert first_options != second_options


def test_the_order_survives_closing_the_window_and_restarting(tmp_path: Path, qtbot: QtBot) -> None:
    """Crash-resume: the proctor closes the window, the workstation restarts (the store is
    opened again and brings the attempt back paused), the proctor resumes."""
    clock = FakeClock()
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=clock)
    attempt_id = start_attempt(store, questions=QUESTIONS)
    shuffled = {"shuffle_questions": True, "shuffle_options": True}
    sat = sit(store, clock, attempt_id, exam_content(QUESTIONS, **shuffled), qtbot)
    before = (question_order(sat.window), option_orders(sat.window))
    press(sat, Qt.Key.Key_B)  # the second option shown on question 1
    answered = sat.window.session.shown_question.options[1].label
    press(sat, Qt.Key.Key_Right)
    press(sat, Qt.Key.Key_F)
    screen_of_question_2 = on_screen(sat.window)
    sat.window.close_for_proctor()
    wait_for_all()
    store.close()

    clock.advance(60_000)
    store = Store.open(path, clock=clock)  # a restart: the attempt comes back paused
    assert store.attempts.get(attempt_id).status is AttemptStatus.PAUSED
    store.attempts.resume(attempt_id, by="p1")
    again = sit(store, clock, attempt_id, exam_content(QUESTIONS, **shuffled), qtbot)
    w = again.window
    assert (question_order(w), option_orders(w)) == before
    # It reopens at the question the candidate was on (issue 14), as it was shown.
    assert w.session.row == 1
    assert on_screen(w) == screen_of_question_2  # same letters, same texts, same labels
    model = w.navigator_model
    assert model.index(0, 0).data(NavigatorRole.ANSWERED)
    assert model.index(1, 0).data(NavigatorRole.FLAGGED)
    press(again, Qt.Key.Key_Left)
    assert w.options.buttons[1].isChecked() and w.options.buttons[1].label == answered
    assert store.answers.current(attempt_id)[again.shown_id(0)].answer == (answered,)
    w.close_for_proctor()
    wait_for_all()
    store.close()
