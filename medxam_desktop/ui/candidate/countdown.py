"""The countdown: time left on the monotonic clock, warnings at 15, 5 and 1 minutes.

The store says how much time is left when the exam screen opens (or resumes); from then
on the countdown reads the injected monotonic clock, so a wall-clock jump changes
nothing. It signals each warning once, and ``expired`` once at zero.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from medxam_desktop.ui.candidate.store_port import MonotonicClock

WARNING_MINUTES = (15, 5, 1)
TICK_MS = 200


class Countdown(QObject):
    ticked = Signal(int)  # remaining ms
    warned = Signal(int)  # minutes left at a threshold
    expired = Signal()

    def __init__(self, clock: MonotonicClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clock = clock
        self._deadline_ms: int | None = None
        self._warnings_left: list[int] = []
        self._expired = False
        self._started = False
        self._timer = QTimer(self)
        self._timer.setObjectName("countdownTimer")
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def start(self, remaining_ms: int) -> None:
        """Count down from ``remaining_ms``: the first time, and again whenever the store
        says how much is left (heartbeat, resume, time credited). Thresholds already below
        the time left at the first start are not announced; later ones are, once each."""
        self._deadline_ms = self._clock.monotonic_ms() + remaining_ms
        if not self._started:
            self._warnings_left = [m for m in WARNING_MINUTES if remaining_ms > m * 60_000]
            self._started = True
        self._expired = False
        self._timer.start()
        self.tick()

    def stop(self) -> None:
        self._timer.stop()

    def remaining_ms(self) -> int:
        if self._deadline_ms is None:
            return 0
        return max(0, self._deadline_ms - self._clock.monotonic_ms())

    def tick(self) -> None:
        if self._deadline_ms is None or self._expired:
            return
        remaining = self.remaining_ms()
        self.ticked.emit(remaining)
        crossed = [m for m in self._warnings_left if remaining <= m * 60_000]
        if crossed and remaining > 0:
            self._warnings_left = [m for m in self._warnings_left if m not in crossed]
            self.warned.emit(min(crossed))
        if remaining <= 0:
            self._expired = True
            self._timer.stop()
            self.expired.emit()
