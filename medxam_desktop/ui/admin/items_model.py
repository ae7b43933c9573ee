"""The item analysis table: one row per question in exam order, over ``ItemStat``.

Named roles (``ItemRole``, ``QuestionIdRole``, ``SortKeyRole``) let the view, the
proxy and tests read the same rows; ``ItemsSortProxy`` sorts by ``SortKeyRole`` so
numbers sort as numbers and undefined statistics (shown as ``—``) sort first.

Flags are shown in words and in colour, never in colour alone: the Flags column reads
"Possible miskey: check the key", its background is tinted, and the row's accessible
text and tooltip say the same words.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from medxam_desktop.domain.results import ItemStat
from medxam_desktop.domain.results_text import DASH, flag_words, format_ratio

Index = QModelIndex | QPersistentModelIndex
ItemRole = Qt.ItemDataRole.UserRole + 1  # the ItemStat
QuestionIdRole = Qt.ItemDataRole.UserRole + 2
SortKeyRole = Qt.ItemDataRole.UserRole + 3
FlagsRole = Qt.ItemDataRole.UserRole + 4  # tuple of the server's flag codes

UNDEFINED_KEY = -1e9  # sorts an undefined statistic before every real one
NO_FLAGS = "No flags"
# The most serious first, so a narrow column still shows it.
SEVERITY = ("possible_miskey", "too_hard", "too_easy", "low_discrimination")
SHORT_FLAGS = {
    "too_hard": "Too hard",
    "too_easy": "Too easy",
    "low_discrimination": "Low discrimination",
    "possible_miskey": "Possible miskey",
}
MISKEY_TINT = QColor("#f8d7d3")  # light red behind "Possible miskey"
WARNING_TINT = QColor("#fbeac2")  # light amber behind the other flags
TEXT_COLOUR = QColor("#1f1f1f")  # dark text on either tint (contrast > 7:1)


class ItemColumn(enum.IntEnum):
    POSITION = 0
    KEY = 1
    P = 2
    UPPER_P = 3
    LOWER_P = 4
    D = 5
    R = 6
    R_CORRECTED = 7
    OMITTED = 8
    FLAGS = 9


HEADERS = {
    ItemColumn.POSITION: ("Q", "Question position in the exam"),
    ItemColumn.KEY: ("Key", "The correct option(s)"),
    ItemColumn.P: ("p", "Difficulty: share of candidates who got it right"),
    ItemColumn.UPPER_P: ("Upper\np", "p in the upper 27 % by total"),
    ItemColumn.LOWER_P: ("Lower\np", "p in the lower 27 % by total"),
    ItemColumn.D: ("D\n(27 %)", "Discrimination: upper p minus lower p"),
    ItemColumn.R: ("r\npb", "Point-biserial correlation with the total"),
    ItemColumn.R_CORRECTED: ("r pb\ncorr.", "Point-biserial with the item left out of the total"),
    ItemColumn.OMITTED: ("Omitted", "Finished attempts with no answer"),
    ItemColumn.FLAGS: ("Flags", "What the statistics suggest checking"),
}
RATIO_COLUMNS = {
    ItemColumn.P: "p",
    ItemColumn.UPPER_P: "upper_p",
    ItemColumn.LOWER_P: "lower_p",
    ItemColumn.D: "discrimination",
    ItemColumn.R: "point_biserial",
    ItemColumn.R_CORRECTED: "point_biserial_corrected",
}


def flags_text(item: ItemStat) -> str:
    """The flags in full words (tooltip, detail line, screen readers)."""
    return flag_words(item.flags) if item.flags else NO_FLAGS


def short_flags(item: ItemStat) -> str:
    """The flags as the table's column shows them: ``Possible miskey; Low discrimination``."""
    if not item.flags:
        return NO_FLAGS
    ordered = sorted(item.flags, key=lambda f: SEVERITY.index(f) if f in SEVERITY else 9)
    return "; ".join(SHORT_FLAGS.get(f, f.replace("_", " ").capitalize()) for f in ordered)


def item_words(item: ItemStat) -> str:
    """The row in words, for screen readers and the tooltip."""
    return (
        f"Question {item.position}: key {', '.join(item.key) or DASH}; "
        f"p {format_ratio(item.p)}; D {format_ratio(item.discrimination)}; "
        f"corrected point-biserial {format_ratio(item.point_biserial_corrected)}; "
        f"{flags_text(item)}."
    )


class ItemsTableModel(QAbstractTableModel):
    """Read-only rows of ``ItemStat`` in the order given (the server's exam order)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: tuple[ItemStat, ...] = ()

    def set_items(self, items: Sequence[ItemStat]) -> None:
        self.beginResetModel()
        self.items = tuple(items)
        self.endResetModel()

    def row_of(self, question_id: str) -> int | None:
        return next((r for r, i in enumerate(self.items) if i.question_id == question_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(ItemColumn)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or section not in HEADERS:
            return None
        short, long = HEADERS[ItemColumn(section)]
        if role == Qt.ItemDataRole.DisplayRole:
            return short
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return long
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.items):
            return None
        item = self.items[index.row()]
        column = ItemColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, column)
        if role == SortKeyRole:
            return self._key(item, column)
        if role == ItemRole:
            return item
        if role == QuestionIdRole:
            return item.question_id
        if role == FlagsRole:
            return item.flags
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            if column == ItemColumn.POSITION:
                return item_words(item)
            if column == ItemColumn.FLAGS:
                return f"Flags of question {item.position}: {flags_text(item)}"
            return self._long(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column != ItemColumn.FLAGS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == ItemColumn.FLAGS and item.flags:
            if role == Qt.ItemDataRole.BackgroundRole:
                tint = MISKEY_TINT if "possible_miskey" in item.flags else WARNING_TINT
                return QBrush(tint)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(TEXT_COLOUR)
        return None

    @staticmethod
    def _text(item: ItemStat, column: ItemColumn) -> str:
        if column == ItemColumn.POSITION:
            return str(item.position)
        if column == ItemColumn.KEY:
            return ", ".join(item.key) or DASH
        if column == ItemColumn.OMITTED:
            return str(item.omitted)
        if column == ItemColumn.FLAGS:
            return short_flags(item)
        value: float | None = getattr(item, RATIO_COLUMNS[column])
        return format_ratio(value)

    def _long(self, item: ItemStat, column: ItemColumn) -> str:
        short = HEADERS[column][0].replace("\n", " ")
        return f"{short} of question {item.position}: {self._text(item, column)}"

    @staticmethod
    def _key(item: ItemStat, column: ItemColumn) -> Any:
        if column == ItemColumn.POSITION:
            return item.position
        if column == ItemColumn.KEY:
            return ",".join(item.key)
        if column == ItemColumn.OMITTED:
            return item.omitted
        if column == ItemColumn.FLAGS:
            return len(item.flags) * 10 + ("possible_miskey" in item.flags)
        value: float | None = getattr(item, RATIO_COLUMNS[column])
        return UNDEFINED_KEY if value is None else value


class ItemsSortProxy(QSortFilterProxyModel):
    """Sorts by ``SortKeyRole`` (numbers as numbers); ties keep the exam order."""

    def __init__(self, source: ItemsTableModel) -> None:
        super().__init__()
        self.setSourceModel(source)
        self.setSortRole(SortKeyRole)
        self.setDynamicSortFilter(False)
