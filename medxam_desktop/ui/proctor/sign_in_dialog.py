"""The proctor's sign-in dialog: user name, password, Enter to sign in, words on failure.

When the server cannot be reached (found on opening, or by a sign-in that fails for it),
the dialog offers "Sign in with PIN" for the proctors known on this workstation: pick
the name, type the PIN. The check (Argon2, throttled) runs off the UI thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.errors import OfflineError, PinError, user_message
from medxam_desktop.sync.api_client import SignedInUser
from medxam_desktop.ui.proctor.pin_dialog import pin_edit
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.proctor.store_port import ProctorPinsPort
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named
from medxam_desktop.ui.tasks import run_in_background, run_on_store

DIALOG_MIN_WIDTH_PX = 460
NO_PINS = (
    "No proctor has a PIN on this workstation yet. A PIN is set here after signing in "
    "with the password while the server can be reached."
)


def _form(rows: Sequence[tuple[str, str, QWidget]]) -> QWidget:
    page = QWidget()
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    for text, name, field in rows:
        label = named(QLabel(text), name, field.accessibleName())
        label.setBuddy(field)
        form.addRow(label, field)
    return page


class SignInDialog(QDialog):
    """Modal while open; the network call runs in the background, the window stays live."""

    def __init__(
        self,
        session: ProctorSession,
        *,
        pins: ProctorPinsPort | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.pins = pins
        self.user: SignedInUser | None = None
        self._probed = False
        named(self, "signInDialog", "Sign in to the server")
        self.setWindowTitle("Sign in — MedXam")
        self.setMinimumWidth(DIALOG_MIN_WIDTH_PX)  # the intro and messages wrap, never clip
        self.intro_label = named(QLabel(self._online_intro()), "signInIntroLabel", "Which server")
        self.intro_label.setWordWrap(True)
        self.username_edit = named(QLineEdit(username), "usernameEdit", "User name")
        self.password_edit = named(QLineEdit(), "passwordEdit", "Password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.proctor_combo = named(QComboBox(), "proctorCombo", "Proctor")
        named(self.proctor_combo.view(), "proctorComboList", "Proctors with a PIN here")
        self.pin_edit = pin_edit("signInPinEdit", "PIN")
        self.modes = named(QStackedWidget(), "signInModes", "Sign-in method")
        self.modes.addWidget(
            _form([("&User name", "usernameLabel", self.username_edit),
                   ("&Password", "passwordLabel", self.password_edit)])
        )  # fmt: skip
        self.modes.addWidget(
            _form([("&Proctor", "proctorLabel", self.proctor_combo),
                   ("P&IN", "signInPinLabel", self.pin_edit)])
        )  # fmt: skip
        self.pin_offer_button = named(
            QPushButton("Sign in with P&IN…"), "pinOfferButton", "Sign in with PIN"
        )
        self.pin_offer_button.hide()
        self.password_mode_button = named(
            QPushButton("&Back to password"), "passwordModeButton", "Sign in with the password"
        )
        self.password_mode_button.hide()
        self.pin_offer_button.clicked.connect(self.show_pin_sign_in)
        self.password_mode_button.clicked.connect(self.show_password_sign_in)
        self.message_label = named(QLabel(""), "signInMessageLabel", "Sign-in message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        named(self.buttons, "signInButtons", "Sign in or cancel")
        self.sign_in_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(self.sign_in_button, "signInButton", "Sign in")
        self.sign_in_button.setText("Sign in")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, "signInCancelButton", "Cancel sign-in")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        for edit in (self.username_edit, self.password_edit, self.pin_edit):
            edit.textChanged.connect(self._update_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addWidget(self.modes)
        layout.addWidget(self.message_label)
        layout.addWidget(self.pin_offer_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.password_mode_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.buttons)
        self._update_button()

    @property
    def pin_mode(self) -> bool:
        return self.modes.currentIndex() == 1

    def _online_intro(self) -> str:
        server = escape(self.session.client.base_url)
        return f"Sign in to <b>{server}</b> to download exam packages."

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        # The last user name is offered, selected, with the cursor in it: at a shared
        # workstation the next proctor simply types their own name over it.
        if not self.pin_mode:
            self.username_edit.setFocus()
            self.username_edit.selectAll()
        if self.pins is not None and not self._probed:
            self._probed = True
            run_in_background(self.session.client.health, on_error=self._probe_failed)

    def _probe_failed(self, error: Exception) -> None:
        if isinstance(error, OfflineError) and not self.pin_mode:
            self.message_label.setText(
                "The server cannot be reached. A proctor with a PIN on this workstation "
                "can sign in with it."
            )
            self.pin_offer_button.show()

    def _update_button(self) -> None:
        if self.pin_mode:
            ready = self.proctor_combo.count() > 0 and bool(self.pin_edit.text())
        else:
            ready = bool(self.username_edit.text().strip() and self.password_edit.text())
        self.sign_in_button.setEnabled(ready)

    def submit(self) -> None:
        if not self.sign_in_button.isEnabled():
            return
        if self.pin_mode:
            self._submit_pin()
            return
        self._busy(True)
        self.message_label.setText("Signing in…")
        self.session.sign_in(
            self.username_edit.text().strip(),
            self.password_edit.text(),
            on_done=self._signed_in,
            on_error=self._failed,
        )

    def _signed_in(self, user: SignedInUser) -> None:
        self.user = user
        self.password_edit.clear()
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._busy(False)
        self.message_label.setText(user_message(error))
        if isinstance(error, OfflineError) and self.pins is not None:
            self.pin_offer_button.show()
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def _busy(self, busy: bool) -> None:
        for widget in (self.username_edit, self.password_edit, self.proctor_combo, self.pin_edit):
            widget.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)

    # --- with a PIN ----------------------------------------------------------------------

    def show_pin_sign_in(self) -> None:
        """Offline: choose a proctor known here and type the PIN."""
        pins = self.pins
        if pins is None:
            return
        run_on_store(lambda: list(pins.known()), on_done=self._show_known, on_error=self._failed)

    def _show_known(self, known: Sequence[ProctorView]) -> None:
        if not known:
            self.message_label.setText(NO_PINS)
            return
        self.proctor_combo.clear()
        for proctor in known:
            self.proctor_combo.addItem(proctor.label, proctor)
        typed = self.username_edit.text().strip()
        match = next((i for i, p in enumerate(known) if p.username == typed), 0)
        self.proctor_combo.setCurrentIndex(match)
        self.modes.setCurrentIndex(1)
        self.intro_label.setText(
            "The server cannot be reached. Sign in with your PIN to work with the packages "
            "already on this workstation."
        )
        self.sign_in_button.setText("Sign in with PIN")
        self.pin_offer_button.hide()
        self.password_mode_button.show()
        self.message_label.setText("")
        self._update_button()
        self.pin_edit.setFocus()

    def show_password_sign_in(self) -> None:
        self.modes.setCurrentIndex(0)
        self.intro_label.setText(self._online_intro())
        self.sign_in_button.setText("Sign in")
        self.password_mode_button.hide()
        self.pin_offer_button.show()
        self.message_label.setText("")
        self.pin_edit.clear()
        self._update_button()
        self.password_edit.setFocus()

    def _submit_pin(self) -> None:
        proctor = self.proctor_combo.currentData()
        pins = self.pins
        if not isinstance(proctor, ProctorView) or pins is None:
            return
        pin = self.pin_edit.text()
        self._busy(True)
        self.message_label.setText("Checking the PIN…")
        run_in_background(
            lambda: pins.verify(proctor.username, pin),
            on_done=self._pin_checked,
            on_error=self._pin_refused,
        )

    def _pin_checked(self, found: ProctorView | None) -> None:
        if found is None:
            self._pin_refused(PinError())
            return
        self.pin_edit.clear()
        self.user = self.session.sign_in_offline(found)
        self.accept()

    def _pin_refused(self, error: Exception) -> None:
        self._busy(False)
        self.message_label.setText(user_message(error))
        self.pin_edit.clear()
        self.pin_edit.setFocus()
