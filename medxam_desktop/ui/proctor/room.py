"""The room view's controller: it keeps the table fresh and carries out the proctor's
actions (extend time, incident, pause, resume) on the store worker.

Refreshing: while the room page is on screen, one read of ``store.room.entries`` a
second (a few indexed queries; never a second one while one is queued), so "In
progress" turns into "Finished" on its own after a submit.

Every action is confirmed with a proctor's PIN: ``store.proctors.verify_any`` says
who typed it, and that proctor is the action's ``by``. The PIN check and the action
run in one job on the store worker; the window never waits for Argon2.

The candidate's screen learns of a pause, a resume or an extension from its own
heartbeat read (ui/candidate/exam_window.py); an exam window open in this process is
nudged at once (``exam_window_for``). Resuming an attempt whose window was closed
reopens the exam with the content this run already decrypted for it, at the question
the candidate was on; without it (after a restart) the start code is asked again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, QTimer

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.content import ExamContent
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.package import RosterEntry
from medxam_desktop.domain.room import RoomEntry, category_words
from medxam_desktop.errors import PinError, user_message
from medxam_desktop.ui.candidate.exam_window import exam_window_for
from medxam_desktop.ui.proctor.room_dialogs import (
    ExtendTimeDialog,
    IncidentDialog,
    PauseDialog,
    ResumeDialog,
    RoomActionDialog,
)
from medxam_desktop.ui.proctor.store_port import ProctorAttemptsPort
from medxam_desktop.ui.tasks import run_on_store

if TYPE_CHECKING:
    from medxam_desktop.ui.proctor.flow import ProctorFlow

log = logging.getLogger(__name__)
REFRESH_MS = 1000
WRONG_PIN = "That PIN is not right. Type your own proctor PIN."


class RoomController(QObject):
    def __init__(self, flow: ProctorFlow) -> None:
        super().__init__(flow)
        self.flow = flow
        self.page = flow.roster_page
        self.dialog: RoomActionDialog | None = None
        self._contents: dict[str, ExamContent] = {}  # attempt id -> content, this run only
        self._reading = False
        self.timer = QTimer(self)
        self.timer.setObjectName("roomRefreshTimer")
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.page.installEventFilter(self)
        self.page.action_requested.connect(self.act)
        flow.candidate_unlocked.connect(self._unlocked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if watched is self.page:
            if event.type() == QEvent.Type.Show:
                self.timer.start()
                self.refresh()
            elif event.type() == QEvent.Type.Hide:
                self.timer.stop()
        return super().eventFilter(watched, event)

    def refresh(self) -> None:
        info = self.page.info
        if info is None or self._reading:
            return
        self._reading = True
        room, delivery_id = self.flow.store.room, info.delivery_id

        def read() -> list[RoomEntry]:
            return list(room.entries(delivery_id))

        run_on_store(read, on_done=self._read, on_error=self._read_failed, owner=self)

    def _read(self, entries: list[RoomEntry]) -> None:
        self._reading = False
        info = self.page.info
        if info is not None and all(e.attempt.delivery_id == info.delivery_id for e in entries):
            self.page.update_room(entries)

    def _read_failed(self, error: Exception) -> None:
        self._reading = False
        log.error("the room view could not be read: %s", type(error).__name__)
        self.page.message_label.setText(user_message(error))

    def _unlocked(self, attempt_id: str, content: object) -> None:
        if isinstance(content, ExamContent):
            self._contents[attempt_id] = content

    # --- actions ---------------------------------------------------------------------

    def act(self, action: str, entry: RosterEntry) -> None:
        attempt = self.page.model.attempts.get(entry.taker_id)
        if attempt is None:
            return
        who = f"{entry.full_name} ({entry.candidate_number})"
        if action == "resume" and not self._can_reopen(attempt):
            self.page.message_label.setText(
                f"Type the start code to reopen {entry.full_name}'s exam: it resumes at the "
                "question they were on."
            )
            self.flow.choose_candidate(entry)
            return
        dialog: RoomActionDialog
        if action == "extend":
            dialog = ExtendTimeDialog(who, already_ms=attempt.extension_ms, parent=self.page)
        elif action == "incident":
            dialog = IncidentDialog(who, parent=self.page)
        elif action == "pause":
            dialog = PauseDialog(who, parent=self.page)
        else:
            dialog = ResumeDialog(who, parent=self.page)
        dialog.submitted.connect(
            lambda fields, pin: self._confirmed(action, attempt.id, entry, fields, pin)
        )
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        self.dialog = dialog
        dialog.open()

    def _can_reopen(self, attempt: AttemptView) -> bool:
        window = exam_window_for(attempt.id)
        return window is not None or attempt.id in self._contents

    def _confirmed(
        self, action: str, attempt_id: str, entry: RosterEntry, fields: dict[str, Any], pin: str
    ) -> None:
        store = self.flow.store
        do = _ACTIONS[action]

        def job() -> AttemptView:
            proctor = store.proctors.verify_any(pin)
            if proctor is None:
                raise PinError(WRONG_PIN)
            return do(store.attempts, attempt_id, proctor.user_id, fields)

        run_on_store(
            job,
            on_done=lambda view: self._done(action, entry, fields, view),
            on_error=self._refused,
        )

    def _refused(self, error: Exception) -> None:
        words = WRONG_PIN if type(error) is PinError else user_message(error)
        if self.dialog is not None:
            self.dialog.refuse(words)

    def _done(
        self, action: str, entry: RosterEntry, fields: dict[str, Any], view: AttemptView
    ) -> None:
        log.info("proctor action %s on attempt %s", action, view.id)
        if self.dialog is not None:
            self.dialog.accept()
        name = entry.full_name
        words = {
            "extend": f"{name} has {fields.get('minutes')} more minutes.",
            "incident": f"Incident recorded for {name}: "
            f"{category_words(str(fields.get('category')))}.",
            "pause": f"{name}'s exam is paused; their time is stopped.",
            "resume": f"{name}'s exam continues where they were.",
        }[action]
        self.page.message_label.setText(words)
        window = exam_window_for(view.id)
        if window is not None:
            window.session.heartbeat()  # the candidate's screen follows at once
        elif action == "resume" and view.status is AttemptStatus.ACTIVE:
            content = self._contents.get(view.id)
            if content is not None:
                self.flow.candidate_unlocked.emit(view.id, content)
        self.refresh()

    def _dialog_closed(self, dialog: RoomActionDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()
        self.page.filter_edit.setFocus()


def _extend(
    attempts: ProctorAttemptsPort, attempt_id: str, by: str, fields: dict[str, Any]
) -> AttemptView:
    return attempts.extend(
        attempt_id, minutes=int(fields["minutes"]), reason=str(fields["reason"]), by=by
    )


def _incident(
    attempts: ProctorAttemptsPort, attempt_id: str, by: str, fields: dict[str, Any]
) -> AttemptView:
    return attempts.incident(
        attempt_id, category=str(fields["category"]), note=str(fields["note"]), by=by
    )


def _pause(
    attempts: ProctorAttemptsPort, attempt_id: str, by: str, fields: dict[str, Any]
) -> AttemptView:
    return attempts.pause(attempt_id, by=by, reason=str(fields["reason"]))


def _resume(
    attempts: ProctorAttemptsPort, attempt_id: str, by: str, fields: dict[str, Any]
) -> AttemptView:
    return attempts.resume(attempt_id, by=by)


_ACTIONS: dict[str, Callable[[ProctorAttemptsPort, str, str, dict[str, Any]], AttemptView]] = {
    "extend": _extend,
    "incident": _incident,
    "pause": _pause,
    "resume": _resume,
}
