"""The exam window's "submit now?" question.

It is window-modal and opened with ``open()``, never ``exec()``, so the event loop
(countdown, saves) keeps running while it is up. (The proctor's PIN prompt is shared
with the proctor's views: ``ui/widgets/pin_dialog.py``.)
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
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
