"""The proctor's sign-in dialog: user name, password, Enter to sign in, words on failure."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.errors import user_message
from medxam_desktop.sync.api_client import SignedInUser
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named


class SignInDialog(QDialog):
    """Modal while open; the network call runs in the background, the window stays live."""

    def __init__(
        self, session: ProctorSession, *, username: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.user: SignedInUser | None = None
        named(self, "signInDialog", "Sign in to the server")
        self.setWindowTitle("Sign in — MedXam")
        intro = named(
            QLabel(
                f"Sign in to <b>{escape(session.client.base_url)}</b> to download exam packages."
            ),
            "signInIntroLabel",
            "Which server",
        )
        intro.setWordWrap(True)
        self.username_edit = named(QLineEdit(username), "usernameEdit", "User name")
        self.password_edit = named(QLineEdit(), "passwordEdit", "Password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
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
        self.username_edit.textChanged.connect(self._update_button)
        self.password_edit.textChanged.connect(self._update_button)

        form = QFormLayout()
        for text, name, edit in (
            ("&User name", "usernameLabel", self.username_edit),
            ("&Password", "passwordLabel", self.password_edit),
        ):
            label = named(QLabel(text), name, edit.accessibleName())
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self._update_button()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        (self.password_edit if self.username_edit.text() else self.username_edit).setFocus()

    def _update_button(self) -> None:
        ready = bool(self.username_edit.text().strip() and self.password_edit.text())
        self.sign_in_button.setEnabled(ready)

    def submit(self) -> None:
        if not self.sign_in_button.isEnabled():
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
        self.password_edit.selectAll()
        self.password_edit.setFocus()

    def _busy(self, busy: bool) -> None:
        for widget in (self.username_edit, self.password_edit):
            widget.setEnabled(not busy)
        self.sign_in_button.setEnabled(not busy)
