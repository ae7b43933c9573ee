"""The two questions the exam window asks: "submit now?" and "the proctor's PIN?".

Both are window-modal and opened with ``open()``, never ``exec()``, so the event loop
(countdown, saves) keeps running while they are up.
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


class ConfirmSubmitDialog(QDialog):
    def __init__(self, parent: QWidget, *, unanswered: int, flagged: int) -> None:
        super().__init__(parent)
        self.setObjectName("confirmSubmitDialog")
        self.setAccessibleName("Submit the exam?")
        self.setWindowTitle("Submit the exam?")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        notes = []
        if unanswered:
            notes.append(f"{unanswered} question{'s' if unanswered != 1 else ''} not answered")
        if flagged:
            notes.append(f"{flagged} flagged for review")
        text = "After submitting you cannot change any answer."
        if notes:
            text = f"You still have {' and '.join(notes)}.\n\n{text}"
        self.message = QLabel(text, self)
        self.message.setObjectName("confirmSubmitMessage")
        self.message.setAccessibleName("Submit the exam?")
        self.message.setWordWrap(True)
        self.submit_button = QPushButton("Submit", self)
        self.submit_button.setObjectName("confirmSubmitButton")
        self.submit_button.setAccessibleName("Submit the exam now")
        self.cancel_button = QPushButton("Keep working", self)
        self.cancel_button.setObjectName("cancelSubmitButton")
        self.cancel_button.setAccessibleName("Keep working")
        self.cancel_button.setDefault(True)  # Enter does not submit by accident
        self.submit_button.clicked.connect(self.accept)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addLayout(buttons)


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
