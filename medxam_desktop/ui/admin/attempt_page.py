"""One attempt's drill-down (Ctrl+4, opened by ``console.open_attempt``).

``load(attempt_id)`` fetches in one background call the attempt with its candidate
(``…/details``), its answers, its event timeline (``…/events``) and its score history
(``…/score-history``). The page shows a header (candidate, status, score, penalty,
total, percent, pass/fail, integrity, receipt code: the server's, as in the results), the
answers table, the time per question chart, the timeline and the score changes.
"Change score…" (Ctrl+E) opens the override dialog; after a change the page loads again
and ``score_changed`` tells the console (the results are fetched again too).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.attempt_details import AttemptReview
from medxam_desktop.domain.attempt_review import ServerAttempt
from medxam_desktop.domain.results_text import (
    format_percent,
    format_points,
    format_time,
    integrity_words,
    passed_words,
    status_words,
)
from medxam_desktop.errors import OfflineError, user_message
from medxam_desktop.sync.results_api import ResultsApi
from medxam_desktop.ui.admin.attempt_models import (
    AnswersTableModel,
    EventsTableModel,
    HistoryTableModel,
    seconds_text,
)
from medxam_desktop.ui.admin.attempts_model import NO_RECEIPT
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.score_dialog import ScoreOverrideDialog
from medxam_desktop.ui.admin.time_chart import TimeChart
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, page_shortcut, set_up_table
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

NO_ATTEMPT = "Open an attempt from the Results page (Ctrl+2): select it and press Enter."
HEADER_FIELDS = (
    ("candidate", "Candidate"),
    ("delivery", "Delivery"),
    ("status", "Status"),
    ("score", "Score"),
    ("penalty", "Penalty"),
    ("total", "Total"),
    ("percent", "Percent"),
    ("result", "Result"),
    ("integrity", "Integrity"),
    ("receipt", "Receipt code"),
    ("finished", "Finished at"),
    ("time", "Time on questions"),
)
RESIZE_ROWS = 40
ReceiptLookup = Callable[[str], "str | None"]


def fetch_review(api: ResultsApi, attempt_id: str, receipt: str | None) -> AttemptReview:
    """Background: everything the page shows, in four requests."""
    return AttemptReview(
        details=api.attempt_details(attempt_id),
        answers=tuple(api.answers(attempt_id)),
        events=tuple(api.events(attempt_id)),
        history=tuple(api.score_history(attempt_id)),
        receipt_code=receipt,
    )


def _count(number: int, what: str) -> str:
    return f"{number} {what}" if number == 1 else f"{number} {what}s"


def header_texts(review: AttemptReview) -> dict[str, str]:
    a, d = review.attempt, review.details
    source = " (changed by hand)" if a.score_source == "manual" else ""
    return {
        "candidate": f"{d.full_name} ({d.candidate_number})",
        "delivery": d.delivery_title,
        "status": status_words(a.status),
        "score": format_points(a.score) + source,
        "penalty": format_points(a.penalty),
        "total": f"{format_points(a.total)} of {format_points(a.max_score)}",
        "percent": format_percent(a.percent),
        "result": f"{passed_words(a.passed)} (pass mark {format_points(d.pass_score)})",
        "integrity": integrity_words(a.integrity),
        "receipt": a.receipt_code or review.receipt_code or NO_RECEIPT,
        "finished": format_time(a.finished_at),
        "time": seconds_text(review.total_time_ms),
    }


def _table(
    name: str, words: str, model: AnswersTableModel | EventsTableModel | HistoryTableModel
) -> QTableView:
    table = set_up_table(QTableView(), name, words)
    table.setModel(model)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    # Sized from the first rows only: with every row (200 answers), each layout asked the
    # model for every cell (~0.2-1 s of UI thread per paint, measured).
    header.setResizeContentsPrecision(RESIZE_ROWS)
    header.setStretchLastSection(True)
    return table


class AttemptPage(QWidget):
    score_changed = Signal(object)  # ServerAttempt, after an override
    review_shown = Signal(object)  # AttemptReview, once the page shows it

    def __init__(
        self,
        context: AdminContext,
        receipt_lookup: ReceiptLookup | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "attemptPage", "Attempt")
        self.context = context
        self.receipt_lookup = receipt_lookup or (lambda _id: None)
        self.attempt_id: str | None = None
        self.review: AttemptReview | None = None
        self.score_dialog: ScoreOverrideDialog | None = None
        self._generation = 0
        self.title_label = named(QLabel("<h2>Attempt</h2>"), "attemptTitle", "Attempt")
        self.message_label = named(QLabel(NO_ATTEMPT), "attemptMessage", "Attempt message")
        self.message_label.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        self.answers = AnswersTableModel(self)
        self.events = EventsTableModel(self)
        self.history = HistoryTableModel(self)
        self.answers_table = _table("answersTable", "Answers", self.answers)
        self.events_table = _table("timelineTable", "Event timeline", self.events)
        self.history_table = _table("scoreHistoryTable", "Score changes", self.history)
        self.time_chart = TimeChart()
        self.override_button = named(
            QPushButton("Change &score…  Ctrl+E"), "changeScoreButton", "Change the score"
        )
        self.override_button.setEnabled(False)
        self.override_button.clicked.connect(self.change_score)
        self._lay_out()
        page_shortcut(self, "Ctrl+E", self.change_score)
        self.setFocusProxy(self.answers_table)

    def _lay_out(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.override_button)
        grid = QGridLayout()
        for index, (key, words) in enumerate(HEADER_FIELDS):
            value = named(QLabel("—"), f"attempt_{key}", words)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByKeyboard)
            value.setTextFormat(Qt.TextFormat.PlainText)
            self.values[key] = value
            row, col = divmod(index, 3)
            grid.addWidget(QLabel(f"<b>{escape(words)}:</b>"), row, col * 2)
            grid.addWidget(value, row, col * 2 + 1)
        for col in (1, 3, 5):
            grid.setColumnStretch(col, 1)
        upper = named(QSplitter(Qt.Orientation.Horizontal), "answersSplitter", "Answers and time")
        upper.addWidget(self._titled("Answers", self.answers_table))
        upper.addWidget(self._titled("Time per question", self.time_chart))
        upper.setStretchFactor(1, 1)
        upper.setSizes([470, 630])  # every column of the answers shows at 1280 px
        lower = named(QSplitter(Qt.Orientation.Horizontal), "timelineSplitter", "Timeline")
        lower.addWidget(self._titled("Timeline", self.events_table))
        lower.addWidget(self._titled("Score changes", self.history_table))
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addLayout(grid)
        layout.addWidget(upper, 3)
        layout.addWidget(lower, 2)
        # Placed on top but parented last: Tab enters the page at the answers (its focus
        # proxy) and reaches the button after the tables and the chart.
        layout.insertLayout(0, head)

    @staticmethod
    def _titled(title: str, widget: QWidget) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        label = QLabel(f"<b>{escape(title)}</b>")
        label.setBuddy(widget)
        column.addWidget(label)
        column.addWidget(widget, 1)
        return box

    # --- the console's hooks ----------------------------------------------------------

    def refresh(self) -> None:
        if self.attempt_id is not None:
            self.load(self.attempt_id)

    def page_shown(self) -> None:
        if self.attempt_id is None:
            self._say(NO_ATTEMPT, problem=False)

    # --- loading ------------------------------------------------------------------------

    def load(self, attempt_id: str) -> None:
        self._generation += 1
        generation = self._generation
        if attempt_id != self.attempt_id:
            self.review = None
            self.override_button.setEnabled(False)
        self.attempt_id = attempt_id
        self._say("Getting the attempt…", problem=False)
        api, receipt = self.context.api, self.receipt_lookup(attempt_id)
        self.context.calls.call(
            lambda: fetch_review(api, attempt_id, receipt),
            on_done=lambda review: self._loaded(generation, review),
            on_error=lambda error: self._failed(generation, error),
            owner=self,
        )

    def _loaded(self, generation: int, review: AttemptReview) -> None:
        if generation != self._generation:
            return
        self.review = review
        d = review.details
        self.title_label.setText(f"<h2>{escape(d.full_name)} — {escape(d.exam_title)}</h2>")
        self.title_label.setAccessibleName(f"Attempt of {d.full_name}")
        for key, text in header_texts(review).items():
            self.values[key].setText(text)
            self.values[key].setAccessibleDescription(text)
        passed = review.attempt.passed
        self.values["result"].setStyleSheet(
            "" if passed is None else f"color: {'#1d6b33' if passed else '#9b1c1c'};"
        )
        self.answers.set_rows(review.answers)
        self.events.set_rows(review.events)
        self.history.set_rows(review.history)
        self.time_chart.show_times(review.answers)
        scored = review.attempt.status in ("finished", "terminated")
        self.override_button.setEnabled(scored)
        self.override_button.setToolTip(
            "" if scored else "An attempt still in progress has no score to change."
        )
        counts = (
            (len(review.answers), "answer"),
            (len(review.events), "event"),
            (len(review.history), "score change"),
        )
        self._say(", ".join(_count(n, what) for n, what in counts) + ".", problem=False)
        self.review_shown.emit(review)

    def _failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        if isinstance(error, OfflineError):
            self._say("The server cannot be reached; the attempt cannot be shown.", problem=True)
            return
        log.info("attempt not fetched: %s", type(error).__name__)
        self._say(user_message(error).replace("\n\n", " "), problem=True)

    def _say(self, text: str, *, problem: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(MESSAGE_STYLE if problem else "")

    # --- score override -----------------------------------------------------------------

    def change_score(self) -> None:
        """Ctrl+E: the override dialog for the attempt shown (window-modal, not blocking)."""
        review = self.review
        if review is None or not self.override_button.isEnabled():
            return
        dialog = ScoreOverrideDialog(
            self.context, review.attempt, review.details.full_name, self.window()
        )
        dialog.score_changed.connect(self._score_changed)
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog))
        self.score_dialog = dialog
        dialog.open()

    def _dialog_closed(self, dialog: ScoreOverrideDialog) -> None:
        if self.score_dialog is dialog:
            self.score_dialog = None
        dialog.deleteLater()

    def _score_changed(self, attempt: ServerAttempt) -> None:
        self.score_changed.emit(attempt)
        self.load(attempt.id)
