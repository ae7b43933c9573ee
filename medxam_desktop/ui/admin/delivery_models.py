"""Table models of the admin's Deliveries page: deliveries with their sync completeness,
and the per-workstation breakdown of the selected one."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt

from medxam_desktop.domain.results import DeliveryListing, SyncCompleteness, WorkstationSync
from medxam_desktop.domain.results_text import DASH, format_time
from medxam_desktop.ui.admin.rows_model import RIGHT_ALIGNED, RowsModel, SortKeyRole

DeliveryIdRole = SortKeyRole + 1


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


def _count(name: str) -> tuple[Callable[[DeliveryListing], str], Callable[[DeliveryListing], int]]:
    """Text and sort key of one of a delivery's sync counts (a dash until it is known)."""

    def value(d: DeliveryListing) -> int | None:
        return None if d.sync is None else int(getattr(d.sync, name))

    return (lambda d: DASH if value(d) is None else str(value(d))), (lambda d: value(d) or 0)


class DeliveryListModel(RowsModel[DeliveryListing]):
    """Deliveries in the server's order; ``DeliveryIdRole`` gives the id of a row."""

    columns = (
        (DELIVERY_HEADERS[DeliveryColumn.TITLE], lambda d: d.title, lambda d: d.title),
        (
            DELIVERY_HEADERS[DeliveryColumn.OPENS],
            lambda d: format_time(d.opens_at),
            lambda d: d.opens_at,
        ),
        (DELIVERY_HEADERS[DeliveryColumn.ATTEMPTS], *_count("attempts")),
        (DELIVERY_HEADERS[DeliveryColumn.COMPLETE], *_count("complete")),
        (DELIVERY_HEADERS[DeliveryColumn.INCOMPLETE], *_count("incomplete")),
        (DELIVERY_HEADERS[DeliveryColumn.PENDING], *_count("pending")),
        (
            DELIVERY_HEADERS[DeliveryColumn.SYNC],
            lambda d: sync_words(d.sync),
            lambda d: sync_words(d.sync),
        ),
    )

    def row_of(self, delivery_id: str) -> int | None:
        return next((i for i, d in enumerate(self.rows) if d.id == delivery_id), None)

    def extra(self, row: DeliveryListing, column: int, role: int) -> Any:
        if role == DeliveryIdRole:
            return row.id
        numeric = DeliveryColumn.ATTEMPTS <= column < DeliveryColumn.SYNC
        if role == Qt.ItemDataRole.TextAlignmentRole and numeric:
            return RIGHT_ALIGNED
        return None


def workstation_name(workstation_id: str | None) -> str:
    return "Online (no workstation)" if workstation_id is None else workstation_id[:8]


class WorkstationModel(RowsModel[WorkstationSync]):
    """The per-workstation sync state of one delivery."""

    columns = (
        (
            "Workstation",
            lambda w: workstation_name(w.workstation_id),
            lambda w: w.workstation_id or "",
        ),
        ("Attempts", lambda w: str(w.attempts), lambda w: w.attempts),
        ("Complete", lambda w: str(w.complete), lambda w: w.complete),
        ("Incomplete", lambda w: str(w.incomplete), lambda w: w.incomplete),
        ("Pending", lambda w: str(w.pending), lambda w: w.pending),
        ("In progress", lambda w: str(w.in_progress), lambda w: w.in_progress),
        (
            "Last received",
            lambda w: format_time(w.last_received_at),
            lambda w: format_time(w.last_received_at),
        ),
        (
            "High-water mark",
            lambda w: DASH if w.high_water_mark is None else str(w.high_water_mark),
            lambda w: -1 if w.high_water_mark is None else w.high_water_mark,
        ),
    )

    def extra(self, row: WorkstationSync, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return row.workstation_id or "Attempts made online, through the API"
        return None
