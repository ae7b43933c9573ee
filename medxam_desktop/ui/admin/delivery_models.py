"""Table models of the admin's Deliveries page: deliveries with their sync completeness,
and the per-workstation breakdown of the selected one."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from medxam_desktop.domain.results import DeliveryListing, SyncCompleteness, WorkstationSync
from medxam_desktop.domain.results_text import DASH, format_time

Index = QModelIndex | QPersistentModelIndex
DeliveryIdRole = Qt.ItemDataRole.UserRole + 1
SortRole = Qt.ItemDataRole.UserRole + 2


class DeliveryColumn(enum.IntEnum):
    TITLE = 0
    OPENS = 1
    ATTEMPTS = 2
    COMPLETE = 3
    INCOMPLETE = 4
    PENDING = 5
    SYNC = 6


DELIVERY_HEADERS = ("Delivery", "Opens", "Attempts", "Complete", "Incomplete", "Pending", "Sync")


def sync_words(sync: SyncCompleteness | None) -> str:
    """One phrase for a delivery's sync state."""
    if sync is None:
        return "Not known"
    if sync.attempts == 0:
        return "No attempts yet"
    if sync.incomplete:
        return f"{sync.incomplete} incomplete"
    if sync.pending:
        return f"{sync.pending} not finished"
    return "All complete"


class DeliveryListModel(QAbstractTableModel):
    """Deliveries in the server's order; ``DeliveryIdRole`` gives the id of a row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[DeliveryListing] = []

    def set_rows(self, rows: Sequence[DeliveryListing]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_of(self, delivery_id: str) -> int | None:
        return next((i for i, d in enumerate(self.rows) if d.id == delivery_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(DELIVERY_HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return DELIVERY_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        delivery = self.rows[index.row()]
        column = DeliveryColumn(index.column())
        if role == DeliveryIdRole:
            return delivery.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(delivery, column)
        numeric = DeliveryColumn.ATTEMPTS <= column < DeliveryColumn.SYNC
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    @staticmethod
    def _text(delivery: DeliveryListing, column: DeliveryColumn) -> str:
        sync = delivery.sync
        if column == DeliveryColumn.TITLE:
            return delivery.title
        if column == DeliveryColumn.OPENS:
            return format_time(delivery.opens_at)
        if column == DeliveryColumn.SYNC:
            return sync_words(sync)
        if sync is None:
            return DASH
        value = {
            DeliveryColumn.ATTEMPTS: sync.attempts,
            DeliveryColumn.COMPLETE: sync.complete,
            DeliveryColumn.INCOMPLETE: sync.incomplete,
            DeliveryColumn.PENDING: sync.pending,
        }[column]
        return str(value)


WORKSTATION_HEADERS = (
    "Workstation",
    "Attempts",
    "Complete",
    "Incomplete",
    "Pending",
    "In progress",
    "Last received",
    "High-water mark",
)


def workstation_name(workstation_id: str | None) -> str:
    return "Online (no workstation)" if workstation_id is None else workstation_id[:8]


class WorkstationModel(QAbstractTableModel):
    """The per-workstation sync state of one delivery."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[WorkstationSync] = []

    def set_rows(self, rows: Sequence[WorkstationSync]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(WORKSTATION_HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = 0
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return WORKSTATION_HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        ws = self.rows[index.row()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 0:
            return ws.workstation_id or "Attempts made online, through the API"
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        mark = ws.high_water_mark
        values = (
            workstation_name(ws.workstation_id),
            ws.attempts,
            ws.complete,
            ws.incomplete,
            ws.pending,
            ws.in_progress,
            format_time(ws.last_received_at),
            DASH if mark is None else mark,
        )
        return str(values[index.column()])
