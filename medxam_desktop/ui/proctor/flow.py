"""The proctor's way from a delivery to an unlocked exam: deliveries -> roster -> start code.

Every network call runs on ``run_in_background`` and every store call on ``run_on_store``;
the window never waits. When the start code opens the content, the candidate is checked
in and the attempt started, and ``candidate_unlocked(attempt_id, ExamContent)`` hands over
to the exam window. The decrypted content exists only in memory.

After a sign-in with the password, a proctor without a PIN on this workstation is asked
to set one (``SetPinDialog``); "Change PIN…" changes it. Signed in with a PIN (offline),
the flow works on the packages already here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QStackedWidget, QWidget

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.content import ExamContent
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.package import PackageInfo, RosterEntry, parse_package
from medxam_desktop.errors import AuthError, ContentError, PinError, user_message
from medxam_desktop.sync.api_client import SignedInUser
from medxam_desktop.sync.package import check_package, decrypt_content
from medxam_desktop.sync.wire import DeliverySummary
from medxam_desktop.ui.proctor.deliveries_page import DeliveriesPage
from medxam_desktop.ui.proctor.delivery_model import best_row, merge_rows
from medxam_desktop.ui.proctor.download import PackageDownloader
from medxam_desktop.ui.proctor.pin_dialog import SetPinDialog
from medxam_desktop.ui.proctor.room import RoomController
from medxam_desktop.ui.proctor.roster_page import RosterPage
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.proctor.sign_in_dialog import SignInDialog
from medxam_desktop.ui.proctor.start_code_page import StartCodePage
from medxam_desktop.ui.proctor.store_port import ProctorStore
from medxam_desktop.ui.proctor.widgets import named, now_utc
from medxam_desktop.ui.tasks import run_in_background, run_on_store

log = logging.getLogger(__name__)
PACKAGE_FILE_FILTER = "MedXam exam packages (*.medxam *.json);;All files (*)"


class ProctorFlow(QStackedWidget):
    candidate_unlocked = Signal(str, object)  # attempt_id, ExamContent

    def __init__(
        self, store: ProctorStore, session: ProctorSession, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        named(self, "proctorFlow", "Proctor")
        self.store = store
        self.session = session
        self.downloader = PackageDownloader(session.client, store)
        self.deliveries_page = DeliveriesPage()
        self.roster_page = RosterPage()
        self.start_code_page = StartCodePage()
        for page in (self.deliveries_page, self.roster_page, self.start_code_page):
            self.addWidget(page)
        self.sign_in_dialog: SignInDialog | None = None
        self.pin_dialog: SetPinDialog | None = None
        self._local: Sequence[PackageInfo] = ()
        self._remote: Sequence[DeliverySummary] = ()
        self._package: tuple[PackageInfo, bytes] | None = None
        self._candidate: RosterEntry | None = None
        self._last_username = ""
        self._wire()
        self.room = RoomController(self)  # the roster page is the room view (ui/proctor/room.py)

    def _wire(self) -> None:
        page = self.deliveries_page
        page.sign_in_requested.connect(self.open_sign_in)
        page.sign_out_requested.connect(self.session.sign_out)
        page.change_pin_requested.connect(self.change_pin)
        page.refresh_requested.connect(self.refresh)
        page.download_requested.connect(self.download)
        page.cancel_requested.connect(self.downloader.cancel)
        page.open_file_requested.connect(self.choose_package_file)
        page.delivery_chosen.connect(self.open_delivery)
        self.session.signed_in.connect(self._signed_in)
        self.session.signed_out.connect(self._signed_out)
        self.session.notice_changed.connect(self._notice)
        self.downloader.progressed.connect(page.show_progress)
        self.downloader.finished.connect(self._downloaded)
        self.downloader.failed.connect(self._download_failed)
        self.downloader.cancelled.connect(self._download_cancelled)
        self.roster_page.back_requested.connect(self.show_deliveries)
        self.roster_page.candidate_chosen.connect(self.choose_candidate)
        self.start_code_page.back_requested.connect(lambda: self.setCurrentWidget(self.roster_page))
        self.start_code_page.unlock_requested.connect(self.unlock)

    # --- deliveries ----------------------------------------------------------------------

    def start(self) -> None:
        """Show what is on this workstation and pick up a kept sign-in."""
        self.show_deliveries()
        self.session.restore()

    def show_deliveries(self) -> None:
        self.setCurrentWidget(self.deliveries_page)
        self.reload_local()
        self.deliveries_page.table.setFocus()

    def reload_local(self, *, select: str | None = None, focus_continue: bool = False) -> None:
        def loaded(infos: Sequence[PackageInfo]) -> None:
            self._local = infos
            self._show_rows(select)
            if focus_continue:  # Enter now goes on to the roster
                self.deliveries_page.continue_button.setFocus()

        run_on_store(
            lambda: list(self.store.packages.list()), on_done=loaded, on_error=self._problem
        )

    def refresh(self) -> None:
        if self.session.user is None:
            return
        self.deliveries_page.show_message("Getting the list of deliveries…")

        def listed(deliveries: Sequence[DeliverySummary]) -> None:
            self._remote = deliveries
            self.deliveries_page.show_message("")
            self._show_rows(None)

        run_in_background(
            self.session.client.list_deliveries, on_done=listed, on_error=self._problem
        )

    def _show_rows(self, select: str | None) -> None:
        rows = merge_rows(self._local, self._remote)
        chosen: str | int | None = select
        if select is None and self.deliveries_page.selected_row() is None:
            chosen = best_row(rows, now_utc())
        self.deliveries_page.set_rows(rows, select=chosen)

    def open_sign_in(self) -> None:
        dialog = SignInDialog(
            self.session, pins=self.store.proctors, username=self._last_username, parent=self
        )
        self.sign_in_dialog = dialog
        dialog.finished.connect(lambda _result: self._back_from_dialog())
        dialog.accepted.connect(self._offer_first_pin)
        dialog.open()

    # --- the proctor's PIN -----------------------------------------------------------------

    def _offer_first_pin(self) -> None:
        """Right after a sign-in with the password: set a PIN if there is none here yet."""
        user = self.session.user
        if user is None or self.session.offline or user.role == "admin":
            return  # an admin gets the results console, and never signs in with a PIN
        run_on_store(
            lambda: self.store.proctors.has_pin(user.id),
            on_done=lambda has: None if has else self._open_pin_dialog(first=True),
            on_error=self._problem,
        )

    def change_pin(self) -> None:
        """ "Change PIN…": the current PIN is asked unless the password was typed this run."""
        user = self.session.user
        if user is None:
            return
        run_on_store(
            lambda: self.store.proctors.has_pin(user.id),
            on_done=lambda has: self._open_pin_dialog(first=not has),
            on_error=self._problem,
        )

    def _open_pin_dialog(self, *, first: bool) -> None:
        user = self.session.user
        if user is None:
            return
        ask_current = not first and not self.session.password_checked
        dialog = SetPinDialog(
            self.store.proctors, user, ask_current=ask_current, first=first, parent=self
        )
        self.pin_dialog = dialog
        dialog.pin_saved.connect(
            lambda _proctor: self.deliveries_page.show_message(
                "Your PIN is set on this workstation: it signs you in when the server "
                "cannot be reached, and closes a candidate's exam window."
            )
        )
        dialog.finished.connect(lambda _result: self._back_from_dialog())
        dialog.open()

    def _back_from_dialog(self) -> None:
        self.window().activateWindow()  # not every platform does it when a dialog closes
        self.deliveries_page.table.setFocus()

    def _signed_in(self, user: SignedInUser) -> None:
        self._last_username = user.username
        self.deliveries_page.show_signed_in(user, offline=self.session.offline)
        if self.session.offline:
            self.deliveries_page.show_message(
                "Signed in with your PIN while the server cannot be reached: the packages "
                "on this workstation can be used."
            )
        else:
            self.refresh()

    def _signed_out(self) -> None:
        self._remote = ()
        self.deliveries_page.show_signed_out()
        self._show_rows(None)

    def _notice(self, text: str) -> None:
        self.deliveries_page.show_notice(text)

    def download(self, delivery_id: str) -> None:
        if self.downloader.busy:
            return
        self.deliveries_page.show_message("")
        self.deliveries_page.show_progress(delivery_id)
        self.downloader.start(delivery_id)

    def _downloaded(self, delivery_id: str, info: PackageInfo) -> None:
        self.deliveries_page.show_progress(None)
        self.deliveries_page.show_message(
            f"“{info.delivery_title}” is ready on this workstation: {len(info.roster)} "
            "candidates. Press Enter to check them in."
        )
        self.reload_local(select=delivery_id, focus_continue=True)

    def _download_failed(self, _delivery_id: str, error: Exception) -> None:
        self.deliveries_page.show_progress(None)
        self._problem(error)

    def _download_cancelled(self, _delivery_id: str) -> None:
        self.deliveries_page.show_progress(None)
        self.deliveries_page.show_message("Download cancelled. Nothing was kept.")

    def choose_package_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open exam package", str(Path.home()), PACKAGE_FILE_FILTER
        )
        if path:
            self.open_package_file(Path(path))

    def open_package_file(self, path: Path) -> None:
        """Read, check and keep a package file (e.g. from a USB stick) off the UI thread."""
        self.deliveries_page.show_message(f"Opening {path.name}…")

        def read() -> bytes:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise ContentError(f"{path.name} could not be read: {exc.strerror}") from exc
            check_package(raw)
            return raw

        def keep(raw: bytes) -> None:
            run_on_store(
                lambda: self.store.packages.save(raw),
                on_done=self._downloaded_file,
                on_error=self._problem,
            )

        run_in_background(read, on_done=keep, on_error=self._problem)

    def _downloaded_file(self, info: PackageInfo) -> None:
        self._downloaded(info.delivery_id, info)

    def _problem(self, error: Exception) -> None:
        if isinstance(error, AuthError) and self.session.user is not None:
            self.session.sign_out()
            self.deliveries_page.show_message(
                "Your sign-in has expired. Please sign in again (packages already here still work)."
            )
            return
        self.deliveries_page.show_message(user_message(error))

    # --- roster and start code -------------------------------------------------------------

    def open_delivery(self, delivery_id: str) -> None:
        def load() -> tuple[bytes, list[AttemptView]]:
            raw = self.store.packages.get_raw(delivery_id)
            return raw, list(self.store.attempts.list_for_delivery(delivery_id))

        def loaded(result: tuple[bytes, list[AttemptView]]) -> None:
            raw, attempts = result
            info = parse_package(raw)
            self._package = (info, raw)
            latest = {a.taker_id: a for a in sorted(attempts, key=lambda a: a.checked_in_at)}
            self.roster_page.show_roster(info, latest)
            self.setCurrentWidget(self.roster_page)

        run_on_store(load, on_done=loaded, on_error=self._problem)

    def choose_candidate(self, entry: RosterEntry) -> None:
        if self._package is None:
            return
        self._candidate = entry
        ask_pin = self.session.user is None  # the PIN says who unlocked (issue 14)
        self.start_code_page.show_candidate(self._package[0], entry, ask_pin=ask_pin)
        self.setCurrentWidget(self.start_code_page)

    def unlock(self, start_code: str) -> None:
        if self._package is None or self._candidate is None:
            return
        info, raw = self._package
        entry = self._candidate
        by, pin = self.session.user_id, self.start_code_page.pin()
        self.start_code_page.set_busy(True, "Opening the exam…")

        def opened(content: ExamContent) -> None:
            run_on_store(
                lambda: _admit(self.store, info.delivery_id, entry.taker_id, by, pin),
                on_done=lambda attempt_id: self._unlocked(attempt_id, content),
                on_error=lambda error: self.start_code_page.show_refused(user_message(error)),
            )

        run_in_background(
            lambda: decrypt_content(raw, start_code),
            on_done=opened,
            on_error=lambda error: self.start_code_page.show_refused(user_message(error)),
        )

    def _unlocked(self, attempt_id: str, content: ExamContent) -> None:
        log.info("attempt %s unlocked", attempt_id)
        self.start_code_page.set_busy(False)
        if self._package is not None:
            self.open_delivery(self._package[0].delivery_id)  # back to the roster, fresh states
        self.candidate_unlocked.emit(attempt_id, content)


def _admit(
    store: ProctorStore, delivery_id: str, taker_id: str, by: str | None, pin: str = ""
) -> str:
    """Check the candidate in and start the attempt; carry on one not yet over.

    Nobody signed in (``by`` None): the proctor's PIN says who unlocks, or nothing is done."""
    if by is None:
        proctor = store.proctors.verify_any(pin) if pin else None
        if proctor is None:
            raise PinError("Type your own proctor PIN: nothing was unlocked.")
        by = proctor.user_id
    ongoing = [
        a
        for a in store.attempts.list_for_delivery(delivery_id)
        if a.taker_id == taker_id and not a.status.is_over
    ]
    attempt = (
        max(ongoing, key=lambda a: a.checked_in_at)
        if ongoing
        else store.attempts.check_in(delivery_id=delivery_id, taker_id=taker_id, by=by)
    )
    if attempt.status is AttemptStatus.CHECKED_IN:
        store.attempts.start(attempt.id, by=by)
    elif attempt.status is AttemptStatus.PAUSED:
        store.attempts.resume(attempt.id, by=by)
    return attempt.id
