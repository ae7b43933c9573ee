"""A delivery's results: the summary panel, the score histogram and the attempts table.

``load(delivery_id)`` fetches and parses (``ResultsSource.fetch``: the server, else the
last results kept on disk, marked stale) and prepares the table rows and the
histogram's split, all in one background job; then the summary is shown and
``summary_shown`` emitted once it is painted (benchmark B8 times it), the table follows
by one model reset a turn of the event loop later, the chart a turn after that, and
the fresh results are written to the cache in the background. Enter or a double-click on
an attempt opens it (``attempt_chosen``); Ctrl+F goes to the filter box.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.results import ResultsSnapshot
from medxam_desktop.domain.results_text import format_time
from medxam_desktop.errors import OfflineError, user_message
from medxam_desktop.sync.results_cache import FetchedResults, ResultsSource
from medxam_desktop.ui.admin.attempts_model import (
    AttemptColumn,
    AttemptIdRole,
    AttemptsFilterProxy,
    AttemptsTableModel,
    PreparedRow,
    prepare_rows,
)
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.histogram import ScoreHistogram, split_bins
from medxam_desktop.ui.admin.summary_panel import SummaryPanel
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, page_shortcut, set_up_table
from medxam_desktop.ui.tasks import run_in_background
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

NO_DELIVERY = "Choose a delivery on the Deliveries page (Ctrl+1) to see its results."
FILTER_DELAY_MS = 200
# The table, then the chart, each after a 1 ms timer rather than a queued call (0 ms):
# Qt ran the queued calls in the same pass as the summary's repaint, so the three made
# one 40 ms UI block (B8); a timer lets the event loop go round (paint, input) between.
NEXT_STEP_MS = 1


@dataclass(frozen=True, slots=True)
class Prepared:
    """The background job's answer: the results as fetched, the table rows and the
    histogram's split (``stale``/``problem`` for the console's status bar)."""

    fetched: FetchedResults
    rows: list[PreparedRow]
    split: list[tuple[int, int]]  # per histogram bin: (did not pass, passed)

    @property
    def stale(self) -> bool:
        return self.fetched.stale

    @property
    def problem(self) -> str:
        return self.fetched.problem


def _fetch_and_prepare(source: ResultsSource, delivery_id: str) -> Prepared:
    """Background: fetch and parse, then the rows and the split, before the summary shows.

    Not after it: the page repaints once the summary is in, and every ``data()`` call of
    that paint (~4,000 with a table already filled) has to take the GIL from this
    thread; while it ran ``prepare_rows`` (60-120 ms of Python), the paint, and so the UI
    thread, stood still until the rows were done (B8: blocks of 70-120 ms)."""
    fetched = source.fetch(delivery_id)
    results = fetched.snapshot.results
    rows = prepare_rows(results.attempts)
    return Prepared(fetched, rows, split_bins(results.summary.histogram, results.attempts))


class ResultsPage(QWidget):
    summary_shown = Signal(str)  # delivery_id, once the summary is painted
    results_shown = Signal(object)  # ResultsSnapshot, once table and chart are filled
    attempt_chosen = Signal(str)  # attempt_id

    def __init__(self, context: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "resultsPage", "Results")
        self.context = context
        self.delivery_id: str | None = None
        self.snapshot: ResultsSnapshot | None = None
        self._generation = 0
        self.title_label = named(QLabel("<h2>Results</h2>"), "resultsTitle", "Results of")
        self.message_label = named(QLabel(NO_DELIVERY), "resultsMessage", "Results message")
        self.message_label.setWordWrap(True)
        self.fetched_label = named(QLabel(""), "resultsFetchedLabel", "Results as of")
        self.summary = SummaryPanel()
        self.histogram = ScoreHistogram()
        self.model = AttemptsTableModel()
        self.proxy = AttemptsFilterProxy(self.model)
        self.filter_edit = named(QLineEdit(), "attemptFilter", "Filter attempts")
        self.filter_edit.setPlaceholderText("Filter by name, candidate number, status, receipt")
        self.filter_edit.setClearButtonEnabled(True)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.filter_edit.textChanged.connect(lambda _text: self._filter_timer.start())
        self.filter_edit.returnPressed.connect(self._apply_filter)
        self.count_label = named(QLabel(""), "attemptCountLabel", "Attempts shown")
        self.table = set_up_table(QTableView(), "attemptsTable", "Attempts")
        self.table.setModel(self.proxy)
        # No sort indicator first: the server's order (candidate number) until a click.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setDefaultSectionSize(86)
        self.table.setColumnWidth(AttemptColumn.NUMBER, 110)
        self.table.setColumnWidth(AttemptColumn.NAME, 200)
        self.table.setColumnWidth(AttemptColumn.INTEGRITY, 130)
        self.table.doubleClicked.connect(self._activated)
        self._selected: str | None = None
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self.open_button = named(
            QPushButton("Open &attempt"), "openAttemptButton", "Open the selected attempt"
        )
        self.open_button.clicked.connect(self._open_selected)
        self._lay_out()
        page_shortcut(self.table, "Return", self._open_selected)
        page_shortcut(self, "Ctrl+F", self.filter_edit.setFocus)
        self.setFocusProxy(self.table)

    def _lay_out(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.fetched_label)
        top = named(QSplitter(Qt.Orientation.Horizontal), "resultsSplitter", "Summary and chart")
        top.addWidget(self.summary)
        top.addWidget(self.histogram)
        top.setStretchFactor(1, 1)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.message_label)
        layout.addWidget(top, 2)
        layout.addLayout(bar)
        layout.addWidget(self.table, 3)

    # --- the console's hooks ----------------------------------------------------------

    def refresh(self) -> None:
        if self.delivery_id is not None:
            self.load(self.delivery_id)

    def page_shown(self) -> None:
        if self.delivery_id is None:
            self.message_label.setText(NO_DELIVERY)

    # --- loading ------------------------------------------------------------------------

    def load(self, delivery_id: str) -> None:
        """Fetch and show ``delivery_id``'s results; a newer call wins over an older one."""
        self._generation += 1
        generation = self._generation
        if delivery_id != self.delivery_id:
            self.snapshot = None
        self.delivery_id = delivery_id
        self._say("Getting the results…", problem=False)
        source = self.context.source
        self.context.calls.call(
            lambda: _fetch_and_prepare(source, delivery_id),
            on_done=lambda prepared: self._fetched(generation, prepared),
            on_error=lambda error: self._failed(generation, error),
            owner=self,
        )

    def _fetched(self, generation: int, prepared: Prepared) -> None:
        """Fetched and prepared: the summary now, the table and the chart on the next
        turns of the event loop, the cache write in the background."""
        if generation != self._generation:
            return  # an older request, overtaken
        fetched = prepared.fetched
        snapshot = fetched.snapshot
        self.snapshot = snapshot
        results = snapshot.results
        self.title_label.setText(f"<h2>{escape(results.title)}</h2>")
        self.title_label.setAccessibleName(f"Results of {results.title}")
        self.summary.show_summary(results.summary)
        when = format_time(snapshot.fetched_at)
        if snapshot.stale:
            self._say(f"Showing results from {when} — the server cannot be reached.", problem=True)
            self.fetched_label.setText(f"Kept from {when}")
        else:
            self._say("", problem=False)
            self.fetched_label.setText(f"As of {when}")
        self.summary.repaint()  # painted now, before the table and chart are built
        self.summary_shown.emit(results.delivery_id)
        QTimer.singleShot(
            NEXT_STEP_MS, self, lambda: self._fill_table(generation, snapshot, prepared)
        )
        source, delivery_id = self.context.source, results.delivery_id
        # Kept on disk after they are shown: megabytes flushed to disk need not delay them.
        run_in_background(
            lambda: source.keep(delivery_id, fetched),
            on_error=lambda error: self._failed(generation, error),
            owner=self,
        )

    def _fill_table(self, generation: int, snapshot: ResultsSnapshot, prepared: Prepared) -> None:
        if generation != self._generation:
            return
        self.model.set_rows(prepared.rows)
        self._apply_filter()
        QTimer.singleShot(
            NEXT_STEP_MS, self, lambda: self._fill_chart(generation, snapshot, prepared)
        )

    def _fill_chart(self, generation: int, snapshot: ResultsSnapshot, prepared: Prepared) -> None:
        if generation != self._generation:
            return
        self.histogram.show_histogram(snapshot.results.summary, prepared.split)
        self.results_shown.emit(snapshot)

    def _failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        if isinstance(error, OfflineError):
            text = "The server cannot be reached, and no results of this delivery were kept."
            if self.snapshot is not None:
                when = format_time(self.snapshot.fetched_at)
                text = f"Showing results from {when} — the server cannot be reached."
            self._say(text, problem=True)
            return
        log.info("results not fetched: %s", type(error).__name__)
        self._say(user_message(error), problem=True)

    def _say(self, text: str, *, problem: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(MESSAGE_STYLE if problem else "")
        self.message_label.setVisible(bool(text))

    # --- the table ----------------------------------------------------------------------

    def _apply_filter(self) -> None:
        self._filter_timer.stop()
        self.proxy.set_filter_text(self.filter_edit.text())
        shown, total = self.proxy.rowCount(), len(self.model.all_rows)
        noun = "attempt" if total == 1 else "attempts"
        self.count_label.setText(
            f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}"
        )

    def _remember_selection(self) -> None:
        self._selected = self.selected_attempt_id()

    def _restore_selection(self) -> None:
        row = self.model.row_of(self._selected) if self._selected else None
        if row is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(row, 0)).row())
            self.table.scrollTo(self.table.currentIndex())

    def selected_attempt_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        index = rows[0] if rows else self.table.currentIndex()
        value = index.data(AttemptIdRole) if index.isValid() else None
        return str(value) if value else None

    def _activated(self, index: QModelIndex) -> None:
        value = index.data(AttemptIdRole)
        if value:
            self.attempt_chosen.emit(str(value))

    def _open_selected(self) -> None:
        chosen = self.selected_attempt_id()
        if chosen:
            self.attempt_chosen.emit(chosen)
