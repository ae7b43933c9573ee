"""The exam window's bars: the header (time, save state, view controls), the question
actions (previous, flag, clear, next) and the banner that says a write failed."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from medxam_desktop.domain.timing import format_time_left
from medxam_desktop.ui.candidate.exam_session import SaveState
from medxam_desktop.ui.widgets.naming import named

SAVE_WORDS = {
    SaveState.IDLE: "",
    SaveState.SAVING: "Saving…",
    SaveState.SAVED: "Saved",
    SaveState.FAILED: "NOT saved",
}


class HeaderBar(QFrame):
    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "examHeader", "Exam header")
        self.title = named(QLabel(title, self), "examTitle", "Exam")
        self.title.setText(title)
        self.candidate = named(QLabel(self), "candidateName", "Candidate")
        self.candidate.setTextFormat(Qt.TextFormat.PlainText)
        self.position = named(QLabel(self), "questionPosition", "Question position")
        # Wide enough for "Question 999 of 999": a new number never re-lays out the header.
        self.position.setMinimumWidth(
            self.position.fontMetrics().horizontalAdvance("Question 999 of 999") + 24
        )
        self.time_left = named(QLabel("Time left –:––", self), "timeLeft", "Time left")
        self.time_left.setTextFormat(Qt.TextFormat.PlainText)
        self.save_indicator = named(QLabel(self), "saveIndicator", "Save status")
        self.save_indicator.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._fit_save_indicator()
        self.zoom_out = named(QPushButton("A−", self), "zoomOutButton", "Smaller text")
        self.zoom_in = named(QPushButton("A+", self), "zoomInButton", "Larger text")
        self.contrast = named(
            QPushButton("High contrast", self), "highContrastButton", "High contrast"
        )
        self.contrast.setCheckable(True)
        self.review = named(
            QPushButton("Review and submit (Alt+R)", self), "reviewButton", "Review and submit"
        )
        self.zoom_out.setToolTip("Smaller text (Ctrl+-)")
        self.zoom_in.setToolTip("Larger text (Ctrl+=)")
        self.contrast.setToolTip("High-contrast colours (Ctrl+Shift+H)")
        layout = QHBoxLayout(self)
        who = QVBoxLayout()  # the exam's title with the candidate under it: no wider
        who.setSpacing(0)
        who.addWidget(self.title)
        who.addWidget(self.candidate)
        layout.addLayout(who)
        layout.addWidget(self.position)
        layout.addStretch(1)
        layout.addWidget(self.save_indicator)
        layout.addWidget(self.time_left)
        for button in (self.zoom_out, self.zoom_in, self.contrast, self.review):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            layout.addWidget(button)

    def _fit_save_indicator(self) -> None:
        """As wide as its longest words: "Saved" appearing never widens the window."""
        metrics = self.save_indicator.fontMetrics()
        widest = max(metrics.horizontalAdvance(words) for words in SAVE_WORDS.values())
        self.save_indicator.setFixedWidth(widest + 24)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # zoom: the words grew, so does the room
            self._fit_save_indicator()

    def show_candidate(self, number: str, name: str) -> None:
        self.candidate.setText(f"{number} · {name}")
        self.candidate.setAccessibleDescription(f"{name}, candidate {number}")

    def show_time_left(self, remaining_ms: int) -> None:
        text = f"Time left {format_time_left(remaining_ms)}"
        if self.time_left.text() != text:  # the accessible name stays "Time left": no chatter
            self.time_left.setText(text)

    def show_save_state(self, state: SaveState) -> None:
        if self.save_indicator.property("state") == state.value:
            return  # restyling re-lays out the header: only when the state changes
        self.save_indicator.setText(SAVE_WORDS[state])
        self.save_indicator.setProperty("state", state.value)
        self.save_indicator.setAccessibleDescription(SAVE_WORDS[state])
        self.save_indicator.style().unpolish(self.save_indicator)
        self.save_indicator.style().polish(self.save_indicator)


class ActionBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "questionActions", "Question actions")
        self.previous = named(
            QPushButton("◀ Previous", self), "previousButton", "Previous question"
        )
        self.flag = named(QPushButton("Flag for review (F)", self), "flagButton", "Flag for review")
        self.flag.setCheckable(True)
        self.clear = named(QPushButton("Clear answer", self), "clearButton", "Clear answer")
        self.next = named(QPushButton("Next ▶", self), "nextButton", "Next question")
        layout = QHBoxLayout(self)
        layout.addWidget(self.previous)
        layout.addStretch(1)
        layout.addWidget(self.flag)
        layout.addWidget(self.clear)
        layout.addStretch(1)
        layout.addWidget(self.next)
        for button in (self.previous, self.flag, self.clear, self.next):
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)

    def show_flag(self, flagged: bool) -> None:
        if self.flag.isChecked() == flagged and self.flag.accessibleDescription():
            return
        self.flag.setChecked(flagged)
        self.flag.setText("Flagged (F)" if flagged else "Flag for review (F)")
        self.flag.setAccessibleDescription("flagged" if flagged else "not flagged")


class SaveErrorBanner(QFrame):
    """Plain words when the store could not write, and a button to try again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "saveErrorBanner", "Save error")
        self.message = named(QLabel(self), "saveErrorMessage", "Save error")
        self.message.setWordWrap(True)
        self.retry = named(QPushButton("Try again", self), "retrySaveButton", "Try saving again")
        layout = QHBoxLayout(self)
        layout.addWidget(self.message, 1)
        layout.addWidget(self.retry)
        self.hide()

    def show_words(self, words: str) -> None:
        self.message.setText(words)
        self.message.setAccessibleDescription(words)
        self.show()
