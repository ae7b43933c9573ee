"""B7: resident memory, both halves.

Desktop: a candidate sits a 300-question exam with Markdown stems and images, offscreen,
through the real ExamWindow on a real Store: every question visited and answered, some
flagged, then the review screen. The figure is the peak RSS of the process (``VmHWM``);
the RSS of the bare Qt application before the exam is printed alongside for reference.

Server: B4's ingest run (the real server under uvicorn with its workers, PostgreSQL,
1000-record batches over loopback HTTP); the figure is the peak of the summed RSS of all
the server's processes while it ingests (``bench.b4_ingest.RssSampler``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bench.b4_ingest import WORKERS, ingest_run
from bench.desktop_exam import open_bench_exam, wait_until_idle
from bench.report import line
from medxam_desktop.domain.timing import SystemClock
from medxam_desktop.ui.candidate.exam_window import ExamWindow

TARGET_MB = 250.0
SERVER_TARGET_MB = 300.0


def _status_mb(field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of this process, in MB (Linux ``/proc``)."""
    for text in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if text.startswith(f"{field}:"):
            return int(text.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def desktop_rss_mb() -> tuple[float, float]:
    """(peak RSS during the exam, RSS of the bare application) in MB."""
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    bare = _status_mb("VmRSS")
    with tempfile.TemporaryDirectory() as tmp:
        exam = open_bench_exam(Path(tmp))
        window = ExamWindow(exam.store, exam.attempt_id, exam.content, SystemClock())
        window.show()
        wait_until_idle(window)
        for row in range(len(exam.content.questions)):
            QTest.keyClick(window, "ABCDE"[row % 5])
            if row % 10 == 0:
                QTest.keyClick(window, Qt.Key.Key_F)
            QTest.keyClick(window, Qt.Key.Key_Right)
            app.processEvents()
            wait_until_idle(window)
        window.show_review()
        app.processEvents()
        peak = _status_mb("VmHWM")
        window.close_for_proctor()
        exam.store.close()
    return peak, bare


def main() -> None:
    peak, bare = desktop_rss_mb()
    figures = {"desktop_rss_mb": peak, "bare_qt_app_rss_mb": bare}
    print(line("B7", figures, f"<={TARGET_MB:g} MB", peak <= TARGET_MB), flush=True)
    try:
        run = ingest_run(baseline=False)
    except Exception as exc:  # a failed setup is reported as FAIL, not raised
        print(f"B7 FAIL server setup: {type(exc).__name__}: {exc}", flush=True)
        return
    server = run.server_peak_rss_mb
    figures = {"server_rss_mb": server, "records_ingested": run.records, "workers": WORKERS}
    print(line("B7", figures, f"<={SERVER_TARGET_MB:g} MB", server <= SERVER_TARGET_MB))


if __name__ == "__main__":
    main()
