"""The review screen before submitting: what is unanswered, what is flagged."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.ui.candidate.exam_session import QuestionState
from medxam_desktop.ui.widgets.naming import named


class ReviewPage(QWidget):
    """Lists unanswered and flagged questions; Enter on one goes back to it."""

    go_to_requested = Signal(int)
    back_requested = Signal()
    submit_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "reviewPage", "Review before submitting")
        title = named(QLabel("<h2>Review your answers</h2>", self), "reviewTitle", "Review")
        self.summary = named(QLabel(self), "reviewSummary", "Summary")
        self.summary.setWordWrap(True)
        self.items = named(QListWidget(self), "reviewList", "Unanswered and flagged questions")
        self.items.itemActivated.connect(self._activated)
        self.back_button = named(
            QPushButton("Back to the questions (Esc)", self),
            "reviewBackButton",
            "Back to the questions",
        )
        self.submit_button = named(
            QPushButton("Submit the exam… (Alt+S)", self), "reviewSubmitButton", "Submit the exam"
        )
        self.back_button.clicked.connect(self.back_requested)
        self.submit_button.clicked.connect(self.submit_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit_button)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.summary)
        layout.addWidget(self.items, 1)
        layout.addLayout(buttons)

    def show_states(self, states: Sequence[QuestionState], unsaved: frozenset[int]) -> None:
        self.items.clear()
        unanswered = [row for row, s in enumerate(states) if not s.answer]
        flagged = [row for row, s in enumerate(states) if s.flagged]
        answered = len(states) - len(unanswered)
        self.summary.setText(
            f"You answered {answered} of {len(states)} questions. "
            f"{len(unanswered)} not answered, {len(flagged)} flagged for review."
        )
        for row in sorted(set(unanswered) | set(flagged) | set(unsaved)):
            words = ["not answered" if not states[row].answer else "answered"]
            if states[row].flagged:
                words.append("flagged for review")
            if row in unsaved:
                words.append("NOT saved")
            item = QListWidgetItem(f"Question {row + 1}: {', '.join(words)}")
            item.setData(Qt.ItemDataRole.UserRole, row)
            self.items.addItem(item)
        if self.items.count():
            self.items.setCurrentRow(0)
            self.items.setFocus()
        else:
            self.submit_button.setFocus()

    def _activated(self, item: QListWidgetItem) -> None:
        self.go_to_requested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
