"""The proctor's PIN prompt: close the exam window, pause or resume it, and the other
places a proctor proves who they are with a PIN.

Shared by the candidate's window and the proctor's views, so it lives in ``ui/widgets``.
It is window-modal and opened with ``open()``, never ``exec()``, so the event loop
(countdown, saves) keeps running while it is up; ``pin_entered`` carries the PIN and the
caller answers with ``accept()`` or ``refuse()``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class PinDialog(QDialog):
    """The proctor types their PIN: to close the exam window, or to pause or resume it."""

    pin_entered = Signal(str)

    def __init__(
        self,
        parent: QWidget,
        *,
        asking: str = "Only the proctor can close the exam. Proctor PIN:",
        ok_text: str = "Close the exam",
        name: str = "proctorPinDialog",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName("Proctor PIN")
        self.setWindowTitle("Proctor PIN")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.asking = asking
        self.message = QLabel(asking, self)
        self.message.setObjectName("pinMessage")
        self.message.setAccessibleName("Proctor PIN")
        self.message.setWordWrap(True)
        self.pin_input = QLineEdit(self)
        self.pin_input.setObjectName("pinInput")
        self.pin_input.setAccessibleName("Proctor PIN")
        self.pin_input.setEchoMode(QLineEdit.EchoMode.Password)
        self.ok_button = QPushButton(ok_text, self)
        self.ok_button.setObjectName("pinOkButton")
        self.ok_button.setAccessibleName(ok_text)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("pinCancelButton")
        self.cancel_button.setAccessibleName("Cancel")
        self.ok_button.clicked.connect(self._entered)
        self.pin_input.returnPressed.connect(self._entered)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.pin_input)
        layout.addLayout(buttons)

    def refuse(self) -> None:
        self.message.setText(f"That PIN is not right. {self.asking}")
        self.pin_input.clear()
        self.pin_input.setFocus()

    def _entered(self) -> None:
        self.pin_entered.emit(self.pin_input.text())
