"""A start-up hook: note when the first window is shown (benchmark B3 reads it).

``watch_first_window(app)`` is called once, right after the ``QApplication`` exists. When
the first top-level window has been shown and the event loop is idle again, it logs the
time since the process started and, under ``MEDXAM_EXIT_AFTER_FIRST_WINDOW=1``, writes
``FIRST_WINDOW_MARKER`` to stderr and quits the application (the B3 benchmark).
"""

from __future__ import annotations

import logging
import os
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

EXIT_ENV = "MEDXAM_EXIT_AFTER_FIRST_WINDOW"
FIRST_WINDOW_MARKER = "MEDXAM_FIRST_WINDOW_SHOWN"


def _process_age_s() -> float:
    """Seconds since this process started (from /proc where there is one)."""
    try:
        with open("/proc/self/stat", encoding="ascii") as stat:  # noqa: PTH123
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = int(fields[19])
        with open("/proc/uptime", encoding="ascii") as uptime:  # noqa: PTH123
            up = float(uptime.read().split()[0])
        return up - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.process_time()


class _FirstWindowWatcher(QObject):
    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt name)
        if (
            not self._seen
            and event.type() == QEvent.Type.Show
            and isinstance(watched, QWidget)
            and watched.isWindow()
        ):
            self._seen = True
            self._app.removeEventFilter(self)
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        log.info("first window shown %.3f s after the process started", _process_age_s())
        if os.environ.get(EXIT_ENV, "") not in ("", "0"):
            sys.stderr.write(f"{FIRST_WINDOW_MARKER}\n")
            sys.stderr.flush()
            self._app.quit()


def watch_first_window(app: QApplication) -> None:
    """Install the hook on ``app`` (once; later calls do nothing)."""
    if app.property("medxam_first_window_watched"):
        return
    app.setProperty("medxam_first_window_watched", True)
    app.installEventFilter(_FirstWindowWatcher(app))
