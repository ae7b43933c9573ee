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
        return self.content.questions[row].id


def open_exam(
    tmp_path: Path, qtbot: QtBot, *, questions: int = 5, minutes: int = 60
) -> Iterator[SatExam]:
    clock = FakeClock()
    store = Store.open(tmp_path / "store.sqlite3", clock=clock)
    info = store.packages.save(sample_exam.package_bytes(questions, minutes))
    taker = sample_exam.TAKER_IDS[0]
    attempt = store.attempts.check_in(delivery_id=info.delivery_id, taker_id=taker, by="p1")
    store.attempts.start(attempt.id, by="p1")
    document = sample_exam.content_document(questions)
    document["exam"]["duration_minutes"] = minutes
    content = parse_content(json.dumps(document).encode("utf-8"))
    window = ExamWindow(
        store, attempt.id, content, clock, verify_pin=lambda pin: pin == PROCTOR_PIN
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    sat = SatExam(store, clock, attempt.id, content, window, qtbot)
    qtbot.waitUntil(lambda: window.session.is_loaded, timeout=10_000)
    sat.settle()
    yield sat
    window.close_for_proctor()
    wait_for_all()
    store.close()
