"""Picking the candidate: a filter box (number or name) over the delivery's roster.

Typing filters at once and selects the first match; Up/Down move through the matches
without leaving the box; Enter takes the selected candidate; Esc goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.package import PackageInfo, RosterEntry
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named, page_shortcut, set_up_table

_Index = QModelIndex | QPersistentModelIndex
STATUS_WORDS = {
    AttemptStatus.CHECKED_IN: "Checked in",
    AttemptStatus.ACTIVE: "In progress",
    AttemptStatus.PAUSED: "Paused",
    AttemptStatus.FINISHED: "Finished",
    AttemptStatus.TERMINATED: "Ended early",
}
SearchRole = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Number", "Name", "Status")


class RosterTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[RosterEntry, ...] = ()
        self.attempts: Mapping[str, AttemptView] = {}

    def set_roster(
        self, entries: tuple[RosterEntry, ...], attempts: Mapping[str, AttemptView]
    ) -> None:
        self.beginResetModel()
        self.entries = tuple(sorted(entries, key=lambda e: e.candidate_number))
        self.attempts = attempts
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        if role == SearchRole:
            return f"{entry.candidate_number} {entry.full_name}".casefold()
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        if index.column() == 0:
            return entry.candidate_number
        if index.column() == 1:
            return entry.full_name
        attempt = self.attempts.get(entry.taker_id)
        return STATUS_WORDS[attempt.status] if attempt else ""


class RosterFilter(QSortFilterProxyModel):
    """Every word typed must appear in the candidate's number or name, in any case."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802
        haystack = str(self.sourceModel().index(row, 0, parent).data(SearchRole))
        return all(word in haystack for word in self.words)


class RosterPage(QWidget):
    candidate_chosen = Signal(object)  # RosterEntry
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "rosterPage", "Candidates")
        self.info: PackageInfo | None = None
        self.model = RosterTableModel()
        self.proxy = RosterFilter()
        self.proxy.setSourceModel(self.model)
        self.heading = named(QLabel(""), "rosterHeading", "Delivery")
        self.heading.setWordWrap(True)
        self.filter_edit = named(QLineEdit(), "rosterFilterEdit", "Find a candidate")
        self.filter_edit.setPlaceholderText("Type the candidate number or name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self.choose)
        self.filter_edit.installEventFilter(self)
        self.table = set_up_table(QTableView(), "rosterTable", "Candidates")
        self.table.setModel(self.proxy)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.choose())
        self.count_label = named(QLabel(""), "rosterCountLabel", "How many candidates match")
        self.message_label = named(QLabel(""), "rosterMessageLabel", "Message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.back_button = named(
            QPushButton("← &Deliveries"), "rosterBackButton", "Back to deliveries"
        )
        self.choose_button = named(
            QPushButton("&Continue →"), "chooseCandidateButton", "Continue with this candidate"
        )
        self.back_button.clicked.connect(self.back_requested)
        self.choose_button.clicked.connect(self.choose)
        page_shortcut(self, "Esc", self.back_requested.emit)

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def show_roster(self, info: PackageInfo, attempts: Mapping[str, AttemptView]) -> None:
        self.info = info
        self.heading.setText(
            f"<h2>{escape(info.delivery_title)}</h2>{escape(info.exam_title)}"
            f" · {info.duration_minutes} minutes"
            f" · {info.question_count} questions"
        )
        self.model.set_roster(info.roster, attempts)
        self.message_label.clear()
        self.filter_edit.clear()
        self._filter("")
        self.filter_edit.setFocus()

    def selected_entry(self) -> RosterEntry | None:
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return self.model.entries[self.proxy.mapToSource(current).row()]

    def choose(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.message_label.setText("No candidate matches. Check the number on their ID card.")
            return
        attempt = self.model.attempts.get(entry.taker_id)
        if attempt is not None and attempt.status.is_over:
            self.message_label.setText(
                f"{entry.full_name} has already {STATUS_WORDS[attempt.status].lower()} this "
                "exam on this workstation and cannot start it again."
            )
            return
        self.message_label.clear()
        self.candidate_chosen.emit(entry)

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} candidates")
        self.choose_button.setEnabled(shown > 0)
        if shown:
            self._select(0)

    def _select(self, row: int) -> None:
        cell = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            cell,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(cell)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Up/Down/PageUp/PageDown in the filter box move through the matches."""
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            step = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: 10,
                Qt.Key.Key_PageUp: -10,
            }.get(Qt.Key(event.key()))
            if step is not None and self.proxy.rowCount():
                current = self.table.currentIndex().row()
                self._select(max(0, min(self.proxy.rowCount() - 1, current + step)))
                return True
        return super().eventFilter(watched, event)
