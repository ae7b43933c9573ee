"""The console's read-only tables of one domain type a row: a model over (header, text,
sort key) column triples, so a table is its columns and nothing else."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

Index = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole + 1  # the row's domain object
SortKeyRole = Qt.ItemDataRole.UserRole + 2
RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
T = TypeVar("T")


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of one domain type; columns are (header, text, sort key) triples.

    ``RowRole`` gives a row's domain object and ``SortKeyRole`` its column's sort key;
    a subclass answers any other role (colour, alignment, ids) in ``extra``."""

    columns: Sequence[tuple[str, Callable[[Any], str], Callable[[Any], Any]]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: tuple[T, ...] = ()

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self.rows = tuple(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        header, text, key = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{header}: {text(row)}"
        if role == RowRole:
            return row
        if role == SortKeyRole:
            return key(row)
        return self.extra(row, index.column(), role)

    def extra(self, row: T, column: int, role: int) -> Any:
        return None
