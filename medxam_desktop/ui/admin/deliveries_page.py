"""The admin's Deliveries page: every delivery with how much of it has reached the server.

The list and each delivery's sync completeness are fetched in the background on show,
every 30 s while the page is up, and on F5; the window never waits. Selecting a delivery
shows its workstations; Enter or a double-click opens its results.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelection, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.results import (
    DeliveriesSnapshot,
    DeliveryListing,
    SyncCompleteness,
)
from medxam_desktop.domain.results_text import format_time
from medxam_desktop.errors import OfflineError, ServerRejectedError, user_message
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.delivery_models import (
    DeliveryIdRole,
    DeliveryListModel,
    WorkstationModel,
    sync_words,
)
from medxam_desktop.ui.proctor.widgets import page_shortcut, set_up_table
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

REFRESH_EVERY_MS = 30_000
# Deliveries are listed latest first; a refresh asks the sync state of this many (one
# request each), so a server with years of deliveries is not asked hundreds of times.
SYNC_STATUS_LIMIT = 40


def fetch_listing(context: AdminContext, *, selected: str | None = None) -> DeliveriesSnapshot:
    """Deliveries (cached when offline) and, when online, the sync completeness of the
    ``SYNC_STATUS_LIMIT`` latest ones and of ``selected`` (older ones load when chosen).

    A server without ``sync-status`` (or a delivery it refuses) leaves that delivery's
    completeness unknown; being offline stops at the first call."""
    snapshot = context.source.deliveries()
    if snapshot.stale:
        return snapshot
    listed: list[DeliveryListing] = []
    for index, delivery in enumerate(snapshot.deliveries):
        wanted = index < SYNC_STATUS_LIMIT or delivery.id == selected
        listed.append(delivery.with_sync(fetch_sync(context, delivery.id) if wanted else None))
    return DeliveriesSnapshot(tuple(listed), snapshot.fetched_at)


def fetch_sync(context: AdminContext, delivery_id: str) -> SyncCompleteness | None:
    try:
        return context.api.sync_status(delivery_id)
    except ServerRejectedError:
        return None


class AdminDeliveriesPage(QWidget):
    delivery_chosen = Signal(str)

    def __init__(self, context: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "adminDeliveriesPage", "Deliveries")
        self.context = context
        self.busy = False
        self.loaded_once = False
        self._asked: set[str] = set()  # deliveries whose sync state was asked on selection
        self.model = DeliveryListModel()
        self.workstations = WorkstationModel()
        title = named(QLabel("<h2>Deliveries</h2>"), "adminDeliveriesTitle", "Deliveries")
        self.message_label = named(QLabel(""), "adminDeliveriesMessage", "Deliveries message")
        self.message_label.setWordWrap(True)
        self.table = set_up_table(QTableView(), "adminDeliveryTable", "Deliveries")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)  # few rows
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(False)
        self.table.doubleClicked.connect(self._activated)  # Enter: the page's shortcut
        selection = self.table.selectionModel()
        selection.selectionChanged.connect(self._selection_changed)
        self.detail_label = named(
            QLabel("Select a delivery to see its workstations."),
            "workstationDetailLabel",
            "Selected delivery",
        )
        self.detail_label.setWordWrap(True)
        self.ws_table = set_up_table(QTableView(), "workstationTable", "Workstations")
        self.ws_table.setModel(self.workstations)
        self.ws_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.ws_table.horizontalHeader().setStretchLastSection(True)
        self.ws_table.setWordWrap(False)
        self.open_button = named(
            QPushButton("&Open results"),
            "openResultsButton",
            "Open the results of the selected delivery",
        )
        self.open_button.clicked.connect(self._open_selected)
        self.open_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.message_label)
        layout.addWidget(self.table, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.ws_table, 2)
        self.setFocusProxy(self.table)
        page_shortcut(self, "Return", self._open_selected)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_EVERY_MS)
        self.timer.timeout.connect(self._tick)

    # --- the console's hooks ----------------------------------------------------------

    def page_shown(self) -> None:
        self.timer.start()
        if not self.loaded_once:
            self.refresh()

    def refresh(self) -> None:
        """Fetch again in the background (a refresh already running is enough)."""
        if self.busy:
            return
        self.busy = True
        if not self.model.rows:
            self.message_label.setText("Getting the deliveries…")
        context, selected = self.context, self.selected_id()
        context.calls.call(
            lambda: fetch_listing(context, selected=selected),
            on_done=self._listed,
            on_error=self._failed,
            owner=self,
        )

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    # --- answers ------------------------------------------------------------------------

    def _listed(self, snapshot: DeliveriesSnapshot) -> None:
        deliveries, stale = snapshot.deliveries, snapshot.stale
        self.busy = False
        self.loaded_once = True
        self._asked.clear()
        chosen = self.selected_id()
        self.model.set_rows(deliveries)
        if stale:
            self.message_label.setText(
                f"Showing the deliveries from {format_time(snapshot.fetched_at)} — "
                "the server cannot be reached."
            )
        elif not deliveries:
            self.message_label.setText("There are no deliveries on the server yet.")
        else:
            self.message_label.setText("")
        row = self.model.row_of(chosen) if chosen else (0 if deliveries else None)
        if row is not None:
            self.table.selectRow(row)
        self._show_workstations()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        if isinstance(error, OfflineError):
            if not self.model.rows:
                self.message_label.setText(
                    "The server cannot be reached, and no deliveries were kept from before."
                )
            return  # the status bar says it
        log.info("deliveries not fetched: %s", type(error).__name__)
        self.message_label.setText(user_message(error))

    # --- selection ----------------------------------------------------------------------

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        value = rows[0].data(DeliveryIdRole)
        return str(value) if value else None

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        self._show_workstations()

    def _show_workstations(self) -> None:
        row = self.model.row_of(self.selected_id() or "")
        self.open_button.setEnabled(row is not None)
        if row is None:
            self.workstations.set_rows([])
            self.detail_label.setText("Select a delivery to see its workstations.")
            return
        delivery = self.model.rows[row]
        sync = delivery.sync
        if sync is None and not self.busy and delivery.id not in self._asked:
            self._ask_sync(delivery.id)  # an older delivery: its state on demand
        self.workstations.set_rows(sync.workstations if sync else [])
        if sync is None:
            text = f"{delivery.title}: sync state not known."
        else:
            text = (
                f"{delivery.title}: {sync.attempts} attempts — {sync.complete} complete, "
                f"{sync.incomplete} incomplete, {sync.pending} pending ({sync_words(sync)})."
            )
        self.detail_label.setText(text)

    def _ask_sync(self, delivery_id: str) -> None:
        self._asked.add(delivery_id)
        context = self.context

        def got(sync: SyncCompleteness | None) -> None:
            row = self.model.row_of(delivery_id)
            if sync is None or row is None:
                return
            rows = list(self.model.rows)
            rows[row] = rows[row].with_sync(sync)
            self.model.set_rows(rows)
            self.table.selectRow(row)

        context.calls.call(lambda: fetch_sync(context, delivery_id), on_done=got, owner=self)

    def _activated(self, index: QModelIndex) -> None:
        value = index.data(DeliveryIdRole)
        if value:
            self.delivery_chosen.emit(str(value))

    def _open_selected(self) -> None:
        chosen = self.selected_id()
        if chosen:
            self.delivery_chosen.emit(chosen)
