"""Composition root: configuration, logging, the store, the API client and the windows.

The main window appears at once; the store opens on the store worker, and only then is
the proctor flow built on it. An unlocked candidate is handed to an ``ExamWindow``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from medxam_desktop import __version__
from medxam_desktop.config import Config, load_config
from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.content import ExamContent
from medxam_desktop.domain.timing import Clock, SystemClock
from medxam_desktop.errors import user_message
from medxam_desktop.log import configure_logging
from medxam_desktop.sync.api_client import ApiClient, ServerHealth, SignedInUser
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.sync.pusher import Pusher
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.main_window import MainWindow
from medxam_desktop.ui.proctor.exam_close import ExamCloseGuard
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.key_unlock import SigningKeyUnlocker
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.proctor.sync_panel import SyncPanel
from medxam_desktop.ui.proctor.sync_scheduler import SyncScheduler
from medxam_desktop.ui.tasks import run_in_background, run_on_store, wait_for_all
from medxam_desktop.ui.widgets.first_window import watch_first_window

if TYPE_CHECKING:
    from medxam_desktop.store import Store

log = logging.getLogger(__name__)


def _open_store(path: Path, clock: Clock) -> Store:
    """Open the store (on the store worker). SQLAlchemy is imported here, off the UI
    thread and after the window is up, not at start-up (benchmark B3)."""
    from medxam_desktop.store import Store

    return Store.open(path, clock=clock)


class Workstation:
    """The parts of a running workstation, wired together."""

    def __init__(self, config: Config, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.client = ApiClient(config.server_url)
        self.window = MainWindow(server_url=config.server_url)
        self.window.candidate_unlocked.connect(self.open_exam)
        self.store: Store | None = None
        self.flow: ProctorFlow | None = None
        self.sync: SyncScheduler | None = None
        self.unlocker: SigningKeyUnlocker | None = None
        self.exam_windows: list[ExamWindow] = []
        self._sign_in_wanted = False

    def start(self) -> None:
        self.window.show()
        run_in_background(
            self.client.health, on_done=self._online, on_error=self.window.show_offline
        )
        path, clock = self.config.store_path, self.clock
        run_on_store(
            lambda: _open_store(path, clock),
            on_done=self._store_opened,
            on_error=self._store_failed,
        )

    def _online(self, health: ServerHealth) -> None:
        self.window.show_online(health.version)

    def _store_opened(self, store: Store) -> None:
        self.store = store
        log.info("store open; workstation %s", store.workstation_id)
        session = ProctorSession(self.client, CredentialStore(self.config.server_url))
        self.flow = ProctorFlow(store, session)
        self.window.set_proctor_flow(self.flow)
        self.flow.start()
        # Sync: at start-up, on every local write, after a sign-in, on its backoff timer.
        scheduler = self.sync = SyncScheduler(Pusher(store, self.client), self.window)
        # Every PIN proven here also opens the signing key file (computers without a
        # keyring); once it is open, a sync that waited for it goes on.
        self.unlocker = SigningKeyUnlocker(store, self.window)
        self.unlocker.key_opened.connect(scheduler.key_unlocked)
        self.window.show_sync_panel(SyncPanel(scheduler, unlocker=self.unlocker))
        session.signed_in.connect(lambda _user: scheduler.reconnected())
        session.signed_in.connect(self._signed_in)
        session.signed_out.connect(self.window.close_admin_console)
        scheduler.sign_in_needed.connect(self._ask_for_sign_in)
        scheduler.start()

    def _signed_in(self, user: SignedInUser) -> None:
        """An admin signed in with the password gets the results console; proctors (and
        anyone signed in offline with a PIN) keep the proctor's screens."""
        flow = self.flow
        if user.role != "admin" or flow is None or flow.session.offline:
            return
        # Imported here, not at start-up: the console brings QtCharts (benchmark B3).
        from medxam_desktop.ui.admin.build import build_console
        from medxam_desktop.ui.admin.context import AdminContext

        context = AdminContext.make(self.client, user, self.config.data_dir)
        console = build_console(context)
        console.sign_out_requested.connect(flow.session.sign_out)
        context.calls.sign_in_needed.connect(flow.session.sign_out)
        self.window.show_admin_console(console)
        log.info("admin console opened for user %s", user.id)

    def _ask_for_sign_in(self) -> None:
        """The server refused the kept sign-in (401): the queue waits, the proctor is asked.

        Never over a candidate's exam (a dialog would take the candidate's keys): then the
        sync panel says "Sign in again" and the dialog opens when the exam window is gone.
        """
        self._sign_in_wanted = True
        flow = self.flow
        if flow is None or self.exam_windows:
            return
        dialog = flow.sign_in_dialog
        if dialog is None or not dialog.isVisible():
            self._sign_in_wanted = False
            flow.open_sign_in()

    def _store_failed(self, error: Exception) -> None:
        log.error("the store could not be opened: %s", type(error).__name__)
        self.window.show_problem(
            f"{user_message(error)}\n\nThe store is {self.config.store_path}. "
            "Candidates cannot sit an exam on this workstation until it opens."
        )

    def open_exam(self, attempt_id: str, content: ExamContent) -> ExamWindow:
        """Hand the unlocked candidate over to the exam window, full screen.

        A proctor's PIN closes it, which pauses the attempt (ui/proctor/exam_close.py)."""
        assert self.store is not None, "a candidate is unlocked only once the store is open"
        guard = ExamCloseGuard(self.store, attempt_id)
        exam = ExamWindow(self.store, attempt_id, content, self.clock, verify_pin=guard.verify)
        guard.watch(exam)
        guard.close_recorded.connect(self._exam_closed_by_proctor)
        self.exam_windows.append(exam)
        exam.destroyed.connect(lambda _obj=None: self._exam_gone(exam))
        exam.exam_submitted.connect(lambda *_args: self.window.show_proctor())
        exam.closed_by_proctor.connect(lambda *_args: self.window.show_proctor())
        exam.showFullScreen()
        return exam

    def _exam_closed_by_proctor(self, attempt: AttemptView) -> None:
        if self.flow is not None:  # the roster shows the attempt paused
            self.flow.open_delivery(attempt.delivery_id)

    def _exam_gone(self, exam: ExamWindow) -> None:
        if exam in self.exam_windows:
            self.exam_windows.remove(exam)
        if self._sign_in_wanted:
            self._ask_for_sign_in()

    def close(self) -> None:
        """After the event loop: let queued work finish, then release files and sockets."""
        wait_for_all()
        if self.store is not None:
            self.store.close()
        self.client.close()


def run(*, server_url: str | None = None, data_dir: str | Path | None = None) -> int:
    """Start the workstation and run the Qt event loop until the window closes."""
    config = load_config(server_url=server_url, data_dir=data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(config.log_dir)
    log.info("MedXam Desktop %s starting; server %s", __version__, config.server_url)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    app.setApplicationName("MedXam Desktop")
    watch_first_window(app)
    workstation = Workstation(config)
    workstation.start()
    code = app.exec()
    workstation.close()
    return code
