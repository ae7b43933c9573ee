"""The attempts table of a delivery's results: a model over rows prepared off the UI
thread, and a proxy that filters in C++ and sorts in the model.

``prepare_rows`` (pure Python, run in the background with the parse) turns every
``AttemptRow`` into display texts, sort keys and one lower-case filter text, so the UI
thread only resets the model: with 10,000 attempts no step on the UI thread walks the
rows in Python except a sort (one ``sorted`` over precomputed keys, ~10 ms).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from medxam_desktop.domain.results import AttemptRow
from medxam_desktop.domain.results_text import (
    DASH,
    format_points,
    integrity_words,
    passed_words,
    status_words,
)

Index = QModelIndex | QPersistentModelIndex
AttemptIdRole = Qt.ItemDataRole.UserRole + 1
SortKeyRole = Qt.ItemDataRole.UserRole + 2
FilterRole = Qt.ItemDataRole.UserRole + 3
AttemptRole = Qt.ItemDataRole.UserRole + 4  # the AttemptRow itself


class AttemptColumn(enum.IntEnum):
    STATUS = 0
    NUMBER = 1
    NAME = 2
    SCORE = 3
    PENALTY = 4
    TOTAL = 5
    PERCENT = 6
    RESULT = 7
    INTEGRITY = 8
    RECEIPT = 9


HEADERS = (
    "Status",
    "Candidate no.",
    "Name",
    "Score",
    "Penalty",
    "Total",
    "Percent",
    "Result",
    "Integrity",
    "Receipt code",
)
NUMERIC = {AttemptColumn.SCORE, AttemptColumn.PENALTY, AttemptColumn.TOTAL, AttemptColumn.PERCENT}
FAIL_COLOUR = QColor("#9b1c1c")
PASS_COLOUR = QColor("#1d6b33")
MUTED_COLOUR = QColor("#5f6368")

NO_RECEIPT = "not listed by the server"


@dataclass(frozen=True, slots=True)
class PreparedRow:
    attempt: AttemptRow
    texts: tuple[str, ...]
    keys: tuple[Any, ...]
    filter_text: str


def _num_key(value: Decimal | None) -> tuple[int, Decimal]:
    return (0, Decimal(0)) if value is None else (1, value)


def prepare_rows(attempts: Sequence[AttemptRow]) -> list[PreparedRow]:
    """Display texts, sort keys and filter text of every attempt (off the UI thread)."""
    rows: list[PreparedRow] = []
    for a in attempts:
        receipt = a.receipt_code or DASH
        texts = (
            status_words(a.status),
            a.candidate_number,
            a.full_name,
            format_points(a.score),
            format_points(a.penalty),
            format_points(a.total),
            DASH if a.percent is None else f"{a.percent:.1f} %",
            passed_words(a.passed),
            integrity_words(a.integrity),
            receipt,
        )
        keys = (
            a.status,
            a.candidate_number,
            a.full_name.casefold(),
            _num_key(a.score),
            _num_key(a.penalty),
            _num_key(a.total),
            _num_key(a.percent),
            -1 if a.passed is None else int(a.passed),
            a.integrity,
            a.receipt_code or "",
        )
        search = " ".join(
            (a.full_name, a.candidate_number, texts[0], texts[7], texts[8], a.receipt_code or "")
        )
        rows.append(PreparedRow(a, texts, keys, search.casefold()))
    return rows


class AttemptsTableModel(QAbstractTableModel):
    """Read-only; roles: ``AttemptIdRole``, ``AttemptRole``, ``SortKeyRole``,
    ``FilterRole`` (column 0 holds the whole row's filter text)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[PreparedRow] = []

    def set_rows(self, rows: list[PreparedRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == AttemptColumn.RECEIPT:
            return "The receipt code the candidate was given (when the server lists it)."
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return row.texts[column]
        if role == FilterRole:
            return row.filter_text
        if role == AttemptIdRole:
            return row.attempt.attempt_id
        if role == AttemptRole:
            return row.attempt
        if role == SortKeyRole:
            return row.keys[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row.attempt, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == AttemptColumn.RECEIPT:
            return row.attempt.receipt_code or f"Receipt code {NO_RECEIPT}"
        return None

    @staticmethod
    def _colour(attempt: AttemptRow, column: int) -> QColor | None:
        if column == AttemptColumn.RESULT and attempt.passed is not None:
            return PASS_COLOUR if attempt.passed else FAIL_COLOUR
        if column == AttemptColumn.INTEGRITY and attempt.integrity == "incomplete":
            return FAIL_COLOUR
        if attempt.status == "in_progress":
            return MUTED_COLOUR
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by precomputed keys, keeping selections (persistent indexes)."""
        if not 0 <= column < len(HEADERS) or not self.rows:
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        old = self.rows
        ranked = sorted(
            range(len(old)),
            key=lambda i: (old[i].keys[column], old[i].attempt.candidate_number),
            reverse=order == Qt.SortOrder.DescendingOrder,
        )
        self.rows = [old[i] for i in ranked]
        if before:
            where = {old_row: new_row for new_row, old_row in enumerate(ranked)}
            after = [self.index(where[i.row()], i.column()) for i in before]
            self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()


class AttemptsFilterProxy(QSortFilterProxyModel):
    """Filters on ``FilterRole`` (Qt's own fixed-string match, case-insensitive) and
    leaves sorting to the source model's precomputed keys."""

    def __init__(self, source: AttemptsTableModel) -> None:
        super().__init__()
        self.source = source
        self.setSourceModel(source)
        self.setFilterRole(FilterRole)
        self.setFilterKeyColumn(0)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setDynamicSortFilter(False)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.source.sort(column, order)

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip().casefold())
