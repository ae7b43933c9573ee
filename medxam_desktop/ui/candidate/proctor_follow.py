"""The candidate's screen follows what the proctor did to the attempt.

After every heartbeat the exam window reads the attempt back from the store
(``ExamSession.attempt_read``). A pause made in the room view (here or on another
screen) covers the question with plain words ("Paused by the proctor at 09:41 — your
time is stopped"); a resume goes back to the page and question the candidate was on and
reads the time left again (the paused time was never counted); an extension shows a
notice, and the countdown grows with the time left the store reports.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from medxam_desktop.ui.widgets.pin_dialog import PinDialog

if TYPE_CHECKING:
    from medxam_desktop.ui.candidate.exam_window import ExamWindow

EXTENSION_SHOWN_MS = 60_000


class ProctorFollow:
    def __init__(self, window: ExamWindow) -> None:
        self.window = window
        self.known_extension_ms = 0
        self.page_before_pause: QWidget | None = None
        self.pin_dialog: PinDialog | None = None

    @property
    def paused(self) -> bool:
        return self.window.pages.currentWidget() is self.window.paused_label

    def ask_to_pause_or_resume(self) -> None:
        """Ctrl+Shift+P at the candidate's screen: the proctor's PIN, then the pause (or
        the resume when paused) is recorded by the proctor's side
        (``proctor_action_requested``; ui/proctor/exam_close.py)."""
        w = self.window
        if w.session.finished or w._verify_pin is None:
            return
        action = "resume" if self.paused else "pause"
        asking = (
            "Only the proctor can resume the exam. Proctor PIN:"
            if action == "resume"
            else "Only the proctor can pause the exam. Proctor PIN:"
        )
        dialog = PinDialog(
            w, asking=asking, ok_text=f"{action.capitalize()} the exam", name="pausePinDialog"
        )
        dialog.pin_entered.connect(lambda pin: self._pin_entered(dialog, action, pin))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.pin_dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: PinDialog) -> None:
        if self.pin_dialog is dialog:
            self.pin_dialog = None
        dialog.deleteLater()
        self.window.activateWindow()  # keys go back to the exam (not every platform does)

    def _pin_entered(self, dialog: PinDialog, action: str, pin: str) -> None:
        verify = self.window._verify_pin
        if verify is not None and pin and verify(pin):
            dialog.accept()
            self.window.proctor_action_requested.emit(action)
        else:
            dialog.refuse()

    def attempt_read(self, attempt: object) -> None:
        """The store's attempt after a heartbeat: pause, resume, extension."""
        w = self.window
        if w.session.finished:
            return
        status = str(getattr(attempt, "status", ""))
        paused = w.pages.currentWidget() is w.paused_label
        if status == "paused" and not paused:
            self.show_paused(at=getattr(attempt, "paused_at", None))
        elif status == "active" and paused:
            self.show_resumed()
        extension = int(getattr(attempt, "extension_ms", 0))
        if extension > self.known_extension_ms:
            self.extended(extension - self.known_extension_ms)
        self.known_extension_ms = extension

    def extended(self, added_ms: int) -> None:
        w = self.window
        minutes = added_ms // 60_000
        words = (
            f"The proctor has given you {minutes} more minute{'s' if minutes != 1 else ''}. "
            "The time left above includes them."
        )
        w.time_warning.setText(words)
        w.time_warning.show()
        w._announce(w.header.time_left, words, urgent=False)
        QTimer.singleShot(EXTENSION_SHOWN_MS, w.time_warning.hide)

    def show_paused(self, reason: str = "", *, at: datetime | None = None) -> None:
        """Hide the question, stop the clock on screen, say so in plain words. The
        heartbeat goes on (it writes nothing while paused): it notices the resume."""
        w = self.window
        w.countdown.stop()
        when = f" at {at.astimezone().strftime('%H:%M')}" if at is not None else ""
        words = f"Paused by the proctor{when} — your time is stopped."
        w.paused_label.setText(
            f"<h2>{words}</h2><p>{escape(reason or 'Please stay in your seat and wait.')}</p>"
            "<p>When the proctor resumes, you continue at the question you were on.</p>"
        )
        if w.pages.currentWidget() is not w.paused_label:
            self.page_before_pause = w.pages.currentWidget()
        w.pages.setCurrentWidget(w.paused_label)
        w.header.review.setEnabled(False)  # nothing behind the cover is reachable
        w.header.time_left.setText("Time stopped")
        w._announce(w, words, urgent=True)

    def show_resumed(self) -> None:
        """Back to the page and question the candidate was on; the time left is read
        again from the store."""
        w = self.window
        page = self.page_before_pause or w.exam_page
        self.page_before_pause = None
        w.pages.setCurrentWidget(page)
        w.header.review.setEnabled(True)
        w.heartbeat_timer.start()
        w.session.heartbeat()
        w._announce(w, "The exam continues.", urgent=True)
