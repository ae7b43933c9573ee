"""F6 on the candidate's screen: a store that cannot write never shows "Saved", keeps the
candidate on the question, and says why in plain words; after the fault, work goes on.

The fault is real: the Store's one SQLite connection is switched to ``query_only``, so
every write is refused by SQLite itself, exactly as with a read-only file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.store import Store
from medxam_desktop.ui.candidate.exam_session import SaveState
from medxam_desktop.ui.candidate.navigator import NavigatorRole
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.exam_window_support import SatExam, open_exam


@pytest.fixture
def sat(tmp_path: Path, qtbot: QtBot) -> Iterator[SatExam]:
    yield from open_exam(tmp_path, qtbot)


def set_read_only(store: Store, read_only: bool) -> None:
    wait_for_all()  # the store worker is idle: nothing else uses the connection now
    raw = store.engine.raw_connection()
    try:
        raw.driver_connection.execute(f"PRAGMA query_only = {1 if read_only else 0}")  # type: ignore[union-attr]
    finally:
        raw.close()


def test_a_refused_write_is_never_reported_saved(sat: SatExam) -> None:
    w, qtbot = sat.window, sat.qtbot
    shown: list[str] = []
    w.session.save_state_changed.connect(shown.append)
    set_read_only(sat.store, True)

    qtbot.keyClick(w, Qt.Key.Key_B)
    sat.settle()
    assert SaveState.SAVED not in shown
    assert w.header.save_indicator.text() == "NOT saved"
    assert w.error_banner.isVisible()
    words = w.error_banner.message.text()
    assert "NOT saved" in words and "call the proctor" in words
    assert "read-only" in words  # why, in plain words
    assert w.navigator_model.index(0, 0).data(NavigatorRole.UNSAVED)

    for key in (Qt.Key.Key_Right, Qt.Key.Key_PageDown):  # cannot move on
        qtbot.keyClick(w, key)
        sat.settle()
    w.actions_bar.next.click()
    w.navigator.clicked.emit(w.navigator_model.index(3, 0))
    w.show_review()
    sat.settle()
    assert w.session.row == 0 and w.pages.currentWidget() is w.exam_page
    assert w.header.position.text() == "Question 1 of 5"

    w.error_banner.retry.click()  # still refused: still not saved
    sat.settle()
    assert SaveState.SAVED not in shown
    assert sat.store.answers.current(sat.attempt_id).get(sat.question_id(0)) is None

    set_read_only(sat.store, False)  # the proctor freed the disk
    w.error_banner.retry.click()
    sat.settle()
    assert w.header.save_indicator.text() == "Saved"
    assert not w.error_banner.isVisible()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].answer == ("B",)
    qtbot.keyClick(w, Qt.Key.Key_Right)
    sat.settle()
    assert w.session.row == 1
    assert sat.store.integrity_check() == "ok"


def test_the_retry_writes_what_the_screen_shows_not_a_stale_answer(sat: SatExam) -> None:
    w = sat.window
    set_read_only(sat.store, True)
    sat.qtbot.keyClick(w, Qt.Key.Key_A)  # refused
    sat.settle()
    set_read_only(sat.store, False)
    sat.qtbot.keyClick(w, Qt.Key.Key_C)  # the candidate changes their mind: this one lands
    sat.settle()
    assert not w.session.blocked  # what the screen shows is on disk
    w.error_banner.retry.click()
    sat.settle()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].answer == ("C",)


def test_a_refused_flag_blocks_too(sat: SatExam) -> None:
    w = sat.window
    set_read_only(sat.store, True)
    sat.qtbot.keyClick(w, Qt.Key.Key_F)
    sat.settle()
    assert w.session.blocked and w.header.save_indicator.text() == "NOT saved"
    set_read_only(sat.store, False)
    w.error_banner.retry.click()
    sat.settle()
    assert sat.store.answers.current(sat.attempt_id)[sat.question_id(0)].flagged
    assert w.header.save_indicator.text() == "Saved"
