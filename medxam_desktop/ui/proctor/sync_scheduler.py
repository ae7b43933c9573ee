"""When the pusher runs: at start-up, on a local write, on reconnect, on a backoff timer.

The pusher runs on the background pool (``run_in_background``), never on the store
worker: a long drain must not hold up a candidate's next save, and the store's own lock
interleaves the pusher's short reads and marks with the exam's writes. A write in the
exam wakes the pusher through ``Store.add_write_listener``; bursts of writes are
gathered for ``DEBOUNCE_MS``. A failure waits the pusher's backoff (capped exponential,
full jitter, never sooner than the server's ``Retry-After``); a 401 waits for the
proctor to sign in again; a sync waiting for the locked signing key goes on as soon as a
PIN opens it (``key_unlocked``).
"""

from __future__ import annotations

import logging
import random

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from medxam_desktop.errors import AuthError, ServerBusyError, SyncKeyLockedError
from medxam_desktop.sync.pusher import Pusher, PushReport
from medxam_desktop.ui.tasks import run_in_background

log = logging.getLogger(__name__)

DEBOUNCE_MS = 300
RECONNECT_SPREAD_MS = 3000


class SyncScheduler(QObject):
    status_changed = Signal(object)  # SyncStatus
    sync_started = Signal()
    sync_finished = Signal(object)  # PushReport
    sync_failed = Signal(object)  # the SyncError; the queue is intact
    sign_in_needed = Signal()
    _written = Signal()  # emitted on the writing thread; delivered on the UI thread

    def __init__(self, pusher: Pusher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pusher = pusher
        self.running = False
        self.waiting_for_sign_in = False
        self.waiting_for_key = False  # the last pass stopped at the locked signing key
        self._again_now = False  # the key was opened during a pass: go round at once
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._local_write_settled)
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self.sync_now)
        self._written.connect(self._debounce.start, Qt.ConnectionType.QueuedConnection)
        pusher.store.add_write_listener(self._written.emit)

    def start(self) -> None:
        """At start-up: compare high-water marks, then push what is queued."""
        self.pusher.request_state_check()
        self.sync_now()

    def reconnected(self, *, spread_ms: int = RECONNECT_SPREAD_MS) -> None:
        """The network or the sign-in is back. A whole test centre reconnects at the same
        moment, so the first push waits a random moment within ``spread_ms``."""
        self.waiting_for_sign_in = False
        self.pusher.request_state_check()
        if self.running:
            return
        self._retry.start(random.randint(0, max(0, spread_ms)))

    def key_unlocked(self) -> None:
        """A proctor's PIN opened (or made) the signing key: a sync waiting for it goes on
        now, after a state check (a key made just now is registered first). A sync that
        waits for the network instead keeps to its backoff timer."""
        self.pusher.request_state_check()
        if self.running:
            self._again_now = True
        elif self.waiting_for_key or not (
            self.waiting_for_sign_in or self.pusher.backoff.backing_off
        ):
            self.sync_now()

    def sync_now(self) -> None:
        """Push now (the proctor's "Sync now", a timer, a trigger); at most one at a time."""
        if self.running:
            return
        self._retry.stop()
        self.running = True
        self.sync_started.emit()
        run_in_background(self.pusher.sync, on_done=self._done, on_error=self._failed)

    def refresh_status(self) -> None:
        run_in_background(self.pusher.status, on_done=self.status_changed.emit, owner=self)

    @property
    def retry_in_ms(self) -> int:
        return self._retry.remainingTime() if self._retry.isActive() else -1

    def _local_write_settled(self) -> None:
        if self.running or self.waiting_for_sign_in or self.pusher.backoff.backing_off:
            self.refresh_status()  # the backoff timer (or a sign-in) decides when
            return
        self.sync_now()

    def _done(self, report: PushReport) -> None:
        self.running = False
        self.waiting_for_key = self._again_now = False
        self.sync_finished.emit(report)
        self.refresh_status()

    def _failed(self, error: Exception) -> None:
        self.running = False
        again_now, self._again_now = self._again_now, False
        self.waiting_for_key = isinstance(error, SyncKeyLockedError)
        if isinstance(error, AuthError):
            self.waiting_for_sign_in = True
        elif again_now and isinstance(error, SyncKeyLockedError):
            self._retry.start(0)
        else:
            retry_after = error.retry_after if isinstance(error, ServerBusyError) else None
            delay_s = self.pusher.backoff.next_delay(retry_after)
            log.info("sync failed (%s); next try in %.1f s", type(error).__name__, delay_s)
            self._retry.start(max(1, round(delay_s * 1000)))
        self.sync_failed.emit(error)
        self.refresh_status()
        if self.waiting_for_sign_in:
            self.sign_in_needed.emit()
