"""A real Store on a temp file with a started attempt, and an ExamWindow on it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.content import ExamContent, parse_content
from medxam_desktop.domain.timing import HEARTBEAT_MS, FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop import sample_exam

PROCTOR_PIN = "4711"


@dataclass
class SatExam:
    store: Store
    clock: FakeClock
    attempt_id: str
    content: ExamContent
    window: ExamWindow
    qtbot: QtBot

    def settle(self) -> None:
        """Wait until every queued store call has returned and its callback ran."""
        self.window.session.send_queued_now()  # not HAND_OVER_MS later: keeps tests quick
        wait_for_all()
        QApplication.processEvents()  # the callbacks queued by the store worker
        self.qtbot.waitUntil(lambda: self.window.session.idle, timeout=10_000)

    def pass_time(self, seconds: int) -> None:
        """Time passes with the window open: heartbeats at most every 5 s, as the timer does."""
        left = seconds * 1000
        while left > 0:
            step = min(HEARTBEAT_MS, left)
            self.clock.advance(step)
            left -= step
            self.window.session.heartbeat()
            self.settle()
            self.window.countdown.tick()

    def question_id(self, row: int) -> str:
        """The id of the ``row``-th question in the package's order."""
        return self.content.questions[row].id

    def shown_id(self, row: int) -> str:
        """The id of the question in the ``row``-th place on screen (this attempt's order)."""
        return self.window.session.questions[row].id


def exam_content(
    questions: int = 5,
    *,
    minutes: int = 60,
    shuffle_questions: bool = False,
    shuffle_options: bool = False,
) -> ExamContent:
    """The sample exam's content, as the proctor's start code decrypts it."""
    document = sample_exam.content_document(questions)
    document["exam"].update(
        duration_minutes=minutes,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
    )
    return parse_content(json.dumps(document).encode("utf-8"))


def start_attempt(store: Store, *, questions: int = 5, minutes: int = 60, taker: int = 0) -> str:
    """Save the sample package (once), check a candidate in and start: the attempt id."""
    info = store.packages.save(sample_exam.package_bytes(questions, minutes))
    taker_id = sample_exam.TAKER_IDS[taker]
    attempt = store.attempts.check_in(delivery_id=info.delivery_id, taker_id=taker_id, by="p1")
    store.attempts.start(attempt.id, by="p1")
    return str(attempt.id)


def sit(
    store: Store, clock: FakeClock, attempt_id: str, content: ExamContent, qtbot: QtBot
) -> SatExam:
    """Open the exam window on a started attempt and wait until it has loaded."""
    window = ExamWindow(
        store, attempt_id, content, clock, verify_pin=lambda pin: pin == PROCTOR_PIN
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    sat = SatExam(store, clock, attempt_id, content, window, qtbot)
    qtbot.waitUntil(lambda: window.session.is_loaded, timeout=10_000)
    sat.settle()
    return sat


def open_exam(
    tmp_path: Path,
    qtbot: QtBot,
    *,
    questions: int = 5,
    minutes: int = 60,
    shuffle_questions: bool = False,
    shuffle_options: bool = False,
) -> Iterator[SatExam]:
    clock = FakeClock()
    store = Store.open(tmp_path / "store.sqlite3", clock=clock)
    attempt_id = start_attempt(store, questions=questions, minutes=minutes)
    content = exam_content(
        questions,
        minutes=minutes,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
    )
    sat = sit(store, clock, attempt_id, content, qtbot)
    yield sat
    sat.window.close_for_proctor()
    wait_for_all()
    store.close()
