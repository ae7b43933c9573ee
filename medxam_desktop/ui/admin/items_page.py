"""Item analysis (Ctrl+3): the items of the open delivery in exam order, and the chosen
item's answers per option.

It reads the console's results (``console.snapshot`` / ``results_loaded``): no request
of its own. The table is sortable (click a header, or focus it and use the header's
keys); selecting a row draws the distractor chart (counts, key marked) and the upper vs
lower 27 % chart. Ctrl+Shift+S exports the items table as CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.results import ItemStat, ResultsSnapshot
from medxam_desktop.domain.results_text import format_ratio, format_time
from medxam_desktop.ui.admin.csv_export import CsvExporter
from medxam_desktop.ui.admin.distractor_chart import DistractorChart, GroupChart
from medxam_desktop.ui.admin.items_model import (
    RATIO_COLUMNS,
    ItemColumn,
    ItemRole,
    ItemsSortProxy,
    ItemsTableModel,
    flags_text,
)
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, page_shortcut, set_up_table
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

NO_RESULTS = "Open a delivery's results first: Deliveries (Ctrl+1), then Enter on a delivery."
EXPORT_KEYS = "Ctrl+Shift+S"


class ItemsPage(QWidget):
    item_selected = Signal(object)  # ItemStat

    def __init__(
        self,
        exporter: CsvExporter,
        refresh_results: Callable[[], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "itemsPage", "Item analysis")
        self.exporter = exporter
        self.refresh_results = refresh_results
        self.snapshot: ResultsSnapshot | None = None
        self._pending = False  # results not yet drawn (they came while hidden)
        self.title_label = named(QLabel("<h2>Item analysis</h2>"), "itemsTitle", "Item analysis")
        self.message_label = named(QLabel(NO_RESULTS), "itemsMessage", "Item analysis message")
        self.message_label.setWordWrap(True)
        self.model = ItemsTableModel(self)
        self.proxy = ItemsSortProxy(self.model)
        self.table = set_up_table(QTableView(), "itemsTable", "Item statistics")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(ItemColumn.POSITION, Qt.SortOrder.AscendingOrder)
        self._size_columns()
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.detail_label = named(QLabel(""), "itemDetailLabel", "Selected item")
        self.detail_label.setWordWrap(True)
        self.detail_label.setTextFormat(Qt.TextFormat.PlainText)
        self.chart = DistractorChart()
        self.groups = GroupChart()
        self.export_button = named(
            QPushButton(f"&Export items (CSV)…  {EXPORT_KEYS}"),
            "exportItemsButton",
            "Export the items table as CSV",
        )
        self.export_button.clicked.connect(self.export_items)
        self._lay_out()
        page_shortcut(self, EXPORT_KEYS, self.export_items)
        exporter.reported.connect(self._reported)
        self.setFocusProxy(self.table)

    def _lay_out(self) -> None:
        head = QHBoxLayout()
        head.addWidget(self.title_label, 1)
        head.addWidget(self.export_button)
        charts = QWidget()
        side = QVBoxLayout(charts)
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.detail_label)
        side.addWidget(self.chart, 1)
        side.addWidget(self.groups, 1)
        split = named(QSplitter(Qt.Orientation.Horizontal), "itemsSplitter", "Items and charts")
        split.addWidget(self.table)
        split.addWidget(charts)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([740, 400])  # the table's columns all show at 1280 px
        layout = QVBoxLayout(self)
        layout.addWidget(self.message_label)
        layout.addWidget(split, 1)
        # On top but parented last: Tab enters at the table (the focus proxy), then the
        # charts, then the export button.
        layout.insertLayout(0, head)

    def _size_columns(self) -> None:
        """Widths from the header words, set once: no resize-to-contents, which would
        ask the model for every cell on each layout (200 items: over a second)."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.table.fontMetrics()
        numbers = metrics.horizontalAdvance("-0.00")
        for column in ItemColumn:
            words = str(self.model.headerData(column, Qt.Orientation.Horizontal) or "")
            text = max(metrics.horizontalAdvance(line) for line in words.split("\n"))
            least = numbers if column in RATIO_COLUMNS else metrics.horizontalAdvance("000")
            self.table.setColumnWidth(column, max(text, least) + 22)  # + the sort arrow
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(metrics.height() + 8)

    # --- results --------------------------------------------------------------------------

    def refresh(self) -> None:
        """F5: the results are fetched again (by the Results page); they come back here."""
        if self.refresh_results is not None and self.snapshot is not None:
            self._say("Getting the results…", problem=False)
            self.refresh_results()

    def page_shown(self) -> None:
        """The console's hook: results that came while another page was up are drawn now."""
        if self._pending:
            self._fill()

    def show_results(self, snapshot: ResultsSnapshot) -> None:
        """The open delivery's results (the console's ``results_loaded``). Drawn at once
        when the page is up, else when it is next shown (so opening results elsewhere
        costs the UI thread nothing here)."""
        self.snapshot = snapshot
        self._pending = True
        if self.isVisible():
            self._fill()

    def _fill(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self._pending = False
        chosen = self.selected_item()
        results = snapshot.results
        self.title_label.setText(f"<h2>Item analysis — {escape(results.title)}</h2>")
        self.title_label.setAccessibleName(f"Item analysis of {results.title}")
        self.model.set_items(results.items)  # the proxy sorts the new rows by its column
        flagged = sum(1 for i in results.items if i.flags)
        when = format_time(snapshot.fetched_at)
        text = (
            f"{len(results.items)} items, {flagged} flagged; {results.summary.n} finished "
            f"attempts. Results as of {when}."
        )
        if snapshot.stale:
            text = f"Results kept from {when} — the server cannot be reached. " + text
        self._say(text, problem=snapshot.stale)
        row = self.model.row_of(chosen.question_id) if chosen is not None else None
        self.select_row(row if row is not None else 0)

    def select_row(self, source_row: int) -> None:
        if not 0 <= source_row < self.model.rowCount():
            self.chart.clear()
            self.groups.clear()
            self.detail_label.setText("")
            return
        index = self.proxy.mapFromSource(self.model.index(source_row, 0))
        self.table.selectRow(index.row())
        self.table.setCurrentIndex(index)

    def selected_item(self) -> ItemStat | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        item = rows[0].data(ItemRole)
        return item if isinstance(item, ItemStat) else None

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        item = self.selected_item()
        if item is None or self.snapshot is None:
            return
        self.chart.show_item(item, self.snapshot.results.summary.n)
        self.groups.show_item(item)
        self.detail_label.setText(
            f"Question {item.position} ({item.type}), key {', '.join(item.key)}: "
            f"p {format_ratio(item.p)}, D {format_ratio(item.discrimination)}, "
            f"corrected r {format_ratio(item.point_biserial_corrected)}, "
            f"{item.omitted} omitted. {flags_text(item)}."
        )
        self.item_selected.emit(item)

    # --- export ---------------------------------------------------------------------------

    def export_items(self) -> None:
        results = self.snapshot.results if self.snapshot is not None else None
        self.exporter.export(
            results.delivery_id if results else None,
            results.title if results else "results",
            "items",
        )

    def _reported(self, text: str, problem: bool) -> None:
        if self.isVisible():
            self._say(text, problem=problem)

    def _say(self, text: str, *, problem: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(MESSAGE_STYLE if problem else "")
