"""The proctor's PIN closes a candidate's exam window; closing it pauses the attempt.

``ExamCloseGuard.verify`` is the ``verify_pin`` an ``ExamWindow`` calls: any PIN known
on this workstation opens it (``store.proctors.verify_any``, throttled in the store).
The window asks synchronously, so the check runs on the UI thread; the store lock is
held only for its small reads and writes, and the Argon2 work takes some 30 ms a proctor.

Once the window closes, the attempt is paused with who closed it and why ("window closed
by proctor <name>"), after the window's own queued store calls, on the store worker. An
attempt already paused gets an incident instead; one already over is left as it is.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import MedXamError, PinThrottledError, user_message
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.tasks import run_on_store
from medxam_desktop.ui.widgets.pin_dialog import PinDialog

log = logging.getLogger(__name__)


class _Pins(Protocol):
    def verify_any(self, pin: str) -> ProctorView | None: ...


class _Attempts(Protocol):
    def get(self, attempt_id: str) -> AttemptView: ...
    def pause(self, attempt_id: str, *, by: str | None, reason: str) -> AttemptView: ...
    def resume(self, attempt_id: str, *, by: str | None) -> AttemptView: ...
    def incident(
        self, attempt_id: str, *, category: str, note: str, by: str | None
    ) -> AttemptView: ...


class ExamCloseStore(Protocol):
    @property
    def proctors(self) -> _Pins: ...
    @property
    def attempts(self) -> _Attempts: ...


def record_close(store: ExamCloseStore, attempt_id: str, proctor: ProctorView) -> AttemptView:
    """Pause the attempt (or note the close on a paused one), by the proctor, with why."""
    reason = f"window closed by proctor {proctor.full_name}"
    attempt = store.attempts.get(attempt_id)
    if attempt.status is AttemptStatus.ACTIVE:
        return store.attempts.pause(attempt_id, by=proctor.user_id, reason=reason)
    if attempt.status.is_over:
        return attempt
    return store.attempts.incident(
        attempt_id, category="window_closed", note=reason, by=proctor.user_id
    )


class ExamCloseGuard(QObject):
    """One per exam window: ``verify`` for the window, then the pause once it closed."""

    close_recorded = Signal(object)  # AttemptView after the pause

    def __init__(self, store: ExamCloseStore, attempt_id: str) -> None:
        super().__init__()
        self.store = store
        self.attempt_id = attempt_id
        self.closed_by: ProctorView | None = None
        self.window: ExamWindow | None = None

    def watch(self, window: ExamWindow) -> None:
        self.window = window  # the window keeps this guard alive through ``verify_pin``
        window.closed_by_proctor.connect(self._closed)
        window.proctor_action_requested.connect(self._pause_or_resume)

    def _pause_or_resume(self, action: str) -> None:
        """Ctrl+Shift+P at the candidate's screen, the PIN accepted: recorded with who."""
        proctor, window = self.closed_by, self.window
        if proctor is None or window is None:
            return
        window.session.send_queued_now()  # the candidate's last answer goes first
        store, attempt_id = self.store, self.attempt_id
        log.info("proctor %s: %s attempt %s at the workstation", proctor.user_id, action,
                 attempt_id)  # fmt: skip

        def record() -> AttemptView:
            if action == "resume":
                return store.attempts.resume(attempt_id, by=proctor.user_id)
            reason = f"paused at the workstation by proctor {proctor.full_name}"
            return store.attempts.pause(attempt_id, by=proctor.user_id, reason=reason)

        run_on_store(
            record,
            on_done=lambda _view: window.session.heartbeat(),  # the screen follows at once
            on_error=_record_failed,
        )

    def verify(self, pin: str) -> bool:
        try:
            proctor = self.store.proctors.verify_any(pin)
        except PinThrottledError as exc:
            self._say(user_message(exc))
            return False
        except MedXamError as exc:  # the store cannot be read: the window stays
            log.error("the PIN could not be checked: %s", type(exc).__name__)
            self._say(user_message(exc))
            return False
        if proctor is None:
            return False
        self.closed_by = proctor
        return True

    def _say(self, words: str) -> None:
        """Words instead of the window's "not right", once it has said that."""
        window = self.window
        dialog = window.findChild(PinDialog, "proctorPinDialog") if window else None
        if dialog is not None:
            QTimer.singleShot(0, dialog, lambda: dialog.message.setText(words))

    def _closed(self, attempt_id: str) -> None:
        proctor = self.closed_by
        if proctor is None or self.window is None:
            return
        log.info("proctor %s closed the exam window of attempt %s", proctor.user_id, attempt_id)
        self.window.session.send_queued_now()  # the candidate's last answer goes first
        store, done = self.store, self._recorded
        run_on_store(
            lambda: record_close(store, attempt_id, proctor),
            on_done=done,
            on_error=_record_failed,
        )

    def _recorded(self, attempt: AttemptView) -> None:
        self.close_recorded.emit(attempt)


def _record_failed(error: Exception) -> None:
    log.error("the exam window's close could not be recorded: %s", type(error).__name__)
