"""The deliveries table: what the server lists merged with what is on this workstation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from medxam_desktop.domain.package import PackageInfo
from medxam_desktop.sync.wire import DeliverySummary
from medxam_desktop.ui.proctor.widgets import local_time

_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    delivery_id: str
    title: str
    exam_title: str | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    location: str | None = None
    candidate_count: int | None = None
    on_workstation: bool = False
    on_server: bool = False


class Column(IntEnum):
    TITLE = 0
    OPENS = 1
    LOCATION = 2
    CANDIDATES = 3
    STATE = 4


HEADERS = {
    Column.TITLE: "Delivery",
    Column.OPENS: "Opens",
    Column.LOCATION: "Room",
    Column.CANDIDATES: "Candidates",
    Column.STATE: "On this workstation",
}

DeliveryIdRole = Qt.ItemDataRole.UserRole + 1


def merge_rows(
    local: Iterable[PackageInfo], remote: Iterable[DeliverySummary]
) -> list[DeliveryRow]:
    """One row per delivery; the server's schedule, the package's exam and roster."""
    rows: dict[str, DeliveryRow] = {}
    for delivery in remote:
        rows[delivery.id] = DeliveryRow(
            delivery_id=delivery.id,
            title=delivery.title,
            opens_at=delivery.opens_at,
            closes_at=delivery.closes_at,
            location=delivery.location,
            on_server=True,
        )
    for info in local:
        row = rows.get(info.delivery_id) or DeliveryRow(info.delivery_id, info.delivery_title)
        rows[info.delivery_id] = replace(
            row,
            exam_title=info.exam_title,
            candidate_count=len(info.roster),
            on_workstation=True,
        )
    never = datetime.min.replace(tzinfo=UTC)
    return sorted(
        rows.values(),
        key=lambda r: (r.opens_at is None, r.opens_at or never, r.title.casefold()),
    )


def best_row(rows: list[DeliveryRow], now: datetime) -> int:
    """The row a proctor most likely wants: open now, else the next to open, else the first."""
    for i, row in enumerate(rows):
        if row.opens_at and row.closes_at and row.opens_at <= now <= row.closes_at:
            return i
    for i, row in enumerate(rows):
        if row.opens_at and row.opens_at > now:
            return i
    return 0


class DeliveryTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DeliveryRow] = []
        self.progress: dict[str, str] = {}  # delivery_id -> "Downloading 45%"

    def set_rows(self, rows: list[DeliveryRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_progress(self, delivery_id: str, text: str | None) -> None:
        if text is None:
            self.progress.pop(delivery_id, None)
        else:
            self.progress[delivery_id] = text
        for i, row in enumerate(self.rows):
            if row.delivery_id == delivery_id:
                cell = self.index(i, Column.STATE)
                self.dataChanged.emit(cell, cell)

    def row_of(self, delivery_id: str) -> int | None:
        return next((i for i, r in enumerate(self.rows) if r.delivery_id == delivery_id), None)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(Column)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Column(section)]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == DeliveryIdRole:
            return row.delivery_id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(row, Column(index.column()))
        return None

    def _text(self, row: DeliveryRow, column: Column) -> str:
        if column is Column.TITLE:
            return f"{row.title} — {row.exam_title}" if row.exam_title else row.title
        if column is Column.OPENS:
            return local_time(row.opens_at)
        if column is Column.LOCATION:
            return row.location or "—"
        if column is Column.CANDIDATES:
            return "—" if row.candidate_count is None else str(row.candidate_count)
        if row.delivery_id in self.progress:
            return self.progress[row.delivery_id]
        return "Ready" if row.on_workstation else "Not downloaded"
