"""Make docs/exam_window.png: the candidate's exam window, offscreen, mid-exam.

``python -m bench.exam_window_screenshot [PATH]`` (not a benchmark: no ``b<N>_`` prefix).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.desktop_exam import open_bench_exam, wait_until_idle
from medxam_desktop.domain.timing import SystemClock
from medxam_desktop.ui.candidate.exam_window import ExamWindow

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "exam_window.png"
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        exam = open_bench_exam(Path(tmp), question_count=60)
        window = ExamWindow(exam.store, exam.attempt_id, exam.content, SystemClock())
        window.resize(1280, 860)
        window.show()
        wait_until_idle(window)
        for row in range(11):  # a candidate some way into the exam
            if row not in (4, 7):
                QTest.keyClick(window, "ABCDE"[(row * 3) % 5])
            if row in (2, 9):
                QTest.keyClick(window, Qt.Key.Key_F)
            QTest.keyClick(window, Qt.Key.Key_Right)
            wait_until_idle(window)
        QTest.keyClick(window, Qt.Key.Key_Left)  # question 11: it has an image
        wait_until_idle(window)
        QTest.keyClick(window, Qt.Key.Key_F)
        button = window.options.buttons[4]
        at = QPoint(5, 5)
        event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, button.mapToGlobal(at))
        QApplication.sendEvent(button, event)  # strike E
        wait_until_idle(window)
        for _ in range(5):
            app.processEvents()
        target.parent.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(target))
        window.close_for_proctor()
        exam.store.close()
    print(f"saved {target}")


if __name__ == "__main__":
    main()
