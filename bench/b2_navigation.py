"""B2: moving to the next question in a 300-question exam with Markdown stems and images
(offscreen), through the real ExamWindow on a real Store: a key press (Right, or PageDown)
until the new question is laid out and painted. Forward through the exam (every stem
rendered for the first time), then back (cached). Store calls run on the store worker
during the measured interval, as they do for a candidate; between moves the window has
a short idle time, as it has while a candidate reads. The UI thread's CPU time and the
machine's load average are printed too: on a loaded 2-core machine wall time is noisy."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.desktop_exam import open_bench_exam, wait_until_idle
from bench.report import line
from medxam_desktop.domain.timing import SystemClock
from medxam_desktop.ui.candidate.exam_window import ExamWindow

MEDIAN_MS = 8.0
P99_MS = 16.0
READING_MS = 70  # idle time between moves (a candidate reads for seconds)


def _move(app: QApplication, window: ExamWindow, key: Qt.Key) -> tuple[float, float]:
    """(wall ms, UI-thread CPU ms) from the key press to the new question painted."""
    cpu_started, started = time.thread_time(), time.perf_counter()
    QTest.keyClick(window, key)
    app.processEvents()  # layout and the paint the key press asked for
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.thread_time() - cpu_started) * 1000
    wait_until_idle(window)
    QTest.qWait(READING_MS)  # the candidate reads before moving on: not timed
    return elapsed, cpu


def main() -> None:
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        exam = open_bench_exam(Path(tmp))
        window = ExamWindow(exam.store, exam.attempt_id, exam.content, SystemClock())
        window.show()
        window.activateWindow()
        wait_until_idle(window)
        app.processEvents()
        count = len(exam.content.questions)
        forward = [_move(app, window, Qt.Key.Key_Right) for _ in range(count - 1)]
        backward = [_move(app, window, Qt.Key.Key_PageUp) for _ in range(count - 1)]
        assert window.session.row == 0, "navigation did not reach the first question again"
        window.close_for_proctor()
        exam.store.close()
    samples = sorted(wall for wall, _cpu in forward + backward)
    median = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    cpu_samples = sorted(cpu for _wall, cpu in forward + backward)
    figures = {
        "nav_median_ms": median,
        "nav_p99_ms": p99,
        "nav_cpu_median_ms": statistics.median(cpu_samples),
        "nav_cpu_p99_ms": cpu_samples[
            min(len(cpu_samples) - 1, round(0.99 * (len(cpu_samples) - 1)))
        ],
        "first_visit_median_ms": statistics.median(wall for wall, _cpu in forward),
        "moves": len(samples),
        "load_avg": os.getloadavg()[0],
    }
    passed = median <= MEDIAN_MS and p99 <= P99_MS
    print(line("B2", figures, f"median<={MEDIAN_MS:g} ms, p99<={P99_MS:g} ms", passed))


if __name__ == "__main__":
    main()
