"""The proctor sets or changes their PIN: 4 to 8 digits, typed twice, words when refused.

A first PIN is asked right after an online sign-in with the password. Changing it asks
for the current PIN too, unless the password was typed in this run (a forgotten PIN is
replaced by signing in online). Hashing runs off the UI thread (Argon2 takes a moment).
"""

from __future__ import annotations

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.proctor import (
    PIN_MAX_DIGITS,
    PIN_MIN_DIGITS,
    ProctorView,
    new_pin_problem,
)
from medxam_desktop.errors import user_message
from medxam_desktop.sync.api_client import SignedInUser
from medxam_desktop.ui.proctor.store_port import ProctorPinsPort
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named
from medxam_desktop.ui.tasks import run_in_background


def pin_edit(object_name: str, accessible_name: str) -> QLineEdit:
    """A masked field that takes up to 8 digits."""
    edit = named(QLineEdit(), object_name, accessible_name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(PIN_MAX_DIGITS)
    edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]*"), edit))
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
    return edit


class SetPinDialog(QDialog):
    """``pin_saved(ProctorView)`` once the store holds the new PIN's hash."""

    pin_saved = Signal(object)  # ProctorView

    def __init__(
        self,
        pins: ProctorPinsPort,
        user: SignedInUser,
        *,
        ask_current: bool,
        first: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.pins = pins
        self.user = user
        self.ask_current = ask_current
        named(self, "setPinDialog", "Proctor PIN")
        self.setWindowTitle("Set your PIN — MedXam" if first else "Change your PIN — MedXam")
        intro = (
            "Set a PIN for this workstation. With it you can sign in when the server cannot "
            "be reached, and close a candidate's exam window."
            if first
            else "Choose a new PIN for this workstation."
        )
        intro_label = named(QLabel(intro), "setPinIntroLabel", "About the PIN")
        intro_label.setWordWrap(True)
        rule = named(
            QLabel(f"{PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits."), "pinRuleLabel", "PIN rule"
        )
        self.current_edit = pin_edit("currentPinEdit", "Current PIN")
        self.new_edit = pin_edit("newPinEdit", "New PIN")
        self.again_edit = pin_edit("newPinAgainEdit", "New PIN again")
        self.message_label = named(QLabel(""), "setPinMessageLabel", "PIN message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.buttons = named(
            QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            ),
            "setPinButtons",
            "Save or cancel",
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(self.save_button, "savePinButton", "Save PIN")
        self.save_button.setText("Save PIN")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(self.cancel_button, "setPinCancelButton", "Not now" if first else "Cancel")
        self.cancel_button.setText("Not now" if first else "Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        rows = [("&New PIN", "newPinLabel", self.new_edit),
                ("New PIN &again", "newPinAgainLabel", self.again_edit)]  # fmt: skip
        if ask_current:
            rows.insert(0, ("&Current PIN", "currentPinLabel", self.current_edit))
        for text, name, edit in rows:
            label = named(QLabel(text), name, edit.accessibleName())
            label.setBuddy(edit)
            form.addRow(label, edit)
        layout = QVBoxLayout(self)
        layout.addWidget(intro_label)
        layout.addWidget(rule)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        (self.current_edit if ask_current else self.new_edit).setFocus()

    def submit(self) -> None:
        new, again = self.new_edit.text(), self.again_edit.text()
        problem = new_pin_problem(new, again)
        if self.ask_current and not self.current_edit.text():
            problem = "Type your current PIN first."
        if problem is not None:
            self._refused(problem, clear_new=new != again)
            return
        self._busy(True)
        self.message_label.setText("Saving the PIN…")
        user, current, pins, change = (
            self.user,
            self.current_edit.text(),
            self.pins,
            self.ask_current,
        )

        def save() -> ProctorView:
            if change:
                return pins.change_pin(username=user.username, current=current, new=new)
            return pins.set_pin(
                user_id=user.id, username=user.username, full_name=user.full_name, pin=new
            )

        run_in_background(save, on_done=self._saved, on_error=self._failed)

    def _saved(self, proctor: object) -> None:
        self._clear()
        self.accept()
        self.pin_saved.emit(proctor)

    def _failed(self, error: Exception) -> None:
        self._busy(False)
        self._refused(user_message(error), clear_new=False)
        self.current_edit.clear()
        self.current_edit.setFocus()

    def _refused(self, words: str, *, clear_new: bool) -> None:
        self.message_label.setText(words)
        if clear_new:
            self.new_edit.clear()
            self.again_edit.clear()
        target = self.new_edit
        if self.ask_current and not self.current_edit.text():
            target = self.current_edit
        target.setFocus()

    def _busy(self, busy: bool) -> None:
        for widget in (self.current_edit, self.new_edit, self.again_edit, self.save_button):
            widget.setEnabled(not busy)

    def _clear(self) -> None:
        for edit in (self.current_edit, self.new_edit, self.again_edit):
            edit.clear()
