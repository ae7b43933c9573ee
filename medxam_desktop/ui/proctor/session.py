"""The proctor's sign-in to the server: token in the keyring, user known, signals out.

A stored token is checked with ``GET /api/auth/me`` at start-up; a machine without a
keyring still signs in, for this run only, and says so (docs/operations.md, "Keyring").
When the server cannot be reached, a proctor with a PIN on this workstation signs in
offline (``sign_in_offline``): no token, packages already here only.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import AuthError, CredentialStoreError, OfflineError, user_message
from medxam_desktop.sync.api_client import ApiClient, SignedInUser
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.ui.proctor.widgets import KEYRING_WORDS
from medxam_desktop.ui.tasks import run_in_background

log = logging.getLogger(__name__)


class ProctorSession(QObject):
    """Who is signed in to the server, if anyone; owns the client's token."""

    signed_in = Signal(object)  # SignedInUser
    signed_out = Signal()
    notice_changed = Signal(str)  # a plain-words remark for the status line ("" clears it)

    def __init__(self, client: ApiClient, credentials: CredentialStore) -> None:
        super().__init__()
        self.client = client
        self.credentials = credentials
        self.user: SignedInUser | None = None
        self.offline = False  # signed in with a PIN, without the server
        self.password_checked = False  # the password was typed in this run

    @property
    def user_id(self) -> str | None:
        return self.user.id if self.user else None

    def restore(self) -> None:
        """Use the token the keyring holds for this server, if it is still good."""
        try:
            token = self.credentials.load_token()
        except CredentialStoreError:
            self.notice_changed.emit(KEYRING_WORDS)
            return
        if not token:
            return
        self.client.token = token
        run_in_background(self.client.me, on_done=self._restored, on_error=self._restore_failed)

    def _restored(self, user: SignedInUser) -> None:
        self.offline = False
        self._become(user)

    def _restore_failed(self, error: Exception) -> None:
        if isinstance(error, AuthError):
            log.info("the kept token is no longer valid; signing out")
            self.client.token = None
            self._forget()
            self.notice_changed.emit("Your earlier sign-in has expired. Please sign in again.")
        elif isinstance(error, OfflineError):
            # Keep the token: the server may come back. Local packages work meanwhile.
            self.notice_changed.emit(
                "The server cannot be reached. Packages on this workstation can still be used."
            )
        else:
            self.notice_changed.emit(user_message(error))

    def sign_in(
        self,
        username: str,
        password: str,
        *,
        on_done: Callable[[SignedInUser], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Sign in off the UI thread; keep the token in the keyring when there is one."""

        def signed(result: tuple[str, SignedInUser]) -> None:
            token, user = result
            try:
                self.credentials.save_token(token)
                self.notice_changed.emit("")
            except CredentialStoreError:
                self.notice_changed.emit(KEYRING_WORDS)
            self.offline, self.password_checked = False, True
            self._become(user)
            on_done(user)

        run_in_background(
            lambda: self.client.login(username, password), on_done=signed, on_error=on_error
        )

    def sign_in_offline(self, proctor: ProctorView) -> SignedInUser:
        """A proctor whose PIN the store has just checked: local work only, no token."""
        user = SignedInUser(
            id=proctor.user_id, username=proctor.username, full_name=proctor.full_name,
            role="proctor",
        )  # fmt: skip
        log.info("proctor %s signed in offline with a PIN", proctor.user_id)
        self.offline = True
        self._become(user)
        return user

    def sign_out(self) -> None:
        """Forget the token here at once; tell the server in the background.

        After a PIN sign-in there is no token of this proctor's: a kept one is left alone."""
        token = None
        if not self.offline:
            token, self.client.token = self.client.token, None
            self._forget()
        self.user = None
        self.offline = self.password_checked = False
        self.signed_out.emit()
        if token:
            run_in_background(lambda: self.client.logout(token), on_error=_logout_failed)

    def _become(self, user: SignedInUser) -> None:
        self.user = user
        self.signed_in.emit(user)

    def _forget(self) -> None:
        with contextlib.suppress(CredentialStoreError):  # nothing kept, nothing to forget
            self.credentials.forget_token()


def _logout_failed(error: Exception) -> None:
    # Signed out here already; the server's session simply expires on its own.
    log.info("could not tell the server about the sign-out: %s", type(error).__name__)
