"""The first proctor screen: sign-in state, deliveries, download with progress, open a file.

Enter on a delivery that is on this workstation goes on to its roster; on one that is
not, it starts the download. Ctrl+D downloads, Ctrl+O opens a package file, F5 refreshes,
Esc cancels a running download.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.sync.api_client import SignedInUser
from medxam_desktop.ui.proctor.delivery_model import (
    Column,
    DeliveryRow,
    DeliveryTableModel,
)
from medxam_desktop.ui.proctor.widgets import named, page_shortcut, set_up_table


class DeliveriesPage(QWidget):
    """Widgets only; ``ProctorFlow`` wires them to the session, store and downloader."""

    sign_in_requested = Signal()
    sign_out_requested = Signal()
    change_pin_requested = Signal()
    refresh_requested = Signal()
    download_requested = Signal(str)  # delivery_id
    cancel_requested = Signal()
    open_file_requested = Signal()
    delivery_chosen = Signal(str)  # delivery_id, on this workstation

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "deliveriesPage", "Deliveries")
        self.model = DeliveryTableModel()
        self.account_label = named(QLabel("Not signed in."), "accountLabel", "Sign-in state")
        self.notice_label = named(QLabel(""), "sessionNoticeLabel", "Sign-in notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.hide()
        self.account_button = named(QPushButton("&Sign in…"), "accountButton", "Sign in")
        self.account_button.clicked.connect(self._account_clicked)
        self.pin_button = named(QPushButton("Change P&IN…"), "changePinButton", "Change PIN")
        self.pin_button.clicked.connect(self.change_pin_requested)
        self.table = set_up_table(QTableView(), "deliveryTable", "Deliveries")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(Column.TITLE, QHeaderView.ResizeMode.Stretch)
        for column in (Column.OPENS, Column.LOCATION, Column.CANDIDATES, Column.STATE):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.table.activated.connect(lambda _index: self.go_on())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())

        self.refresh_button = named(QPushButton("&Refresh list"), "refreshButton", "Refresh list")
        self.download_button = named(
            QPushButton("&Download package"), "downloadButton", "Download package"
        )
        self.open_file_button = named(
            QPushButton("&Open package file…"), "openFileButton", "Open package file"
        )
        self.continue_button = named(
            QPushButton("&Check in candidates →"), "continueButton", "Check in candidates"
        )
        self.refresh_button.clicked.connect(self.refresh_requested)
        self.download_button.clicked.connect(self._download_clicked)
        self.open_file_button.clicked.connect(self.open_file_requested)
        self.continue_button.clicked.connect(self.go_on)

        self.progress_bar = named(QProgressBar(), "downloadProgress", "Download progress")
        self.cancel_button = named(
            QPushButton("Cancel download"), "cancelDownloadButton", "Cancel download"
        )
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.message_label = named(QLabel(""), "deliveriesMessageLabel", "Message")
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.empty_label = named(
            QLabel("No deliveries yet. Sign in and refresh, or open a package file."),
            "emptyLabel",
            "No deliveries",
        )

        account = QHBoxLayout()
        account.addWidget(self.account_label, 1)
        account.addWidget(self.pin_button)
        account.addWidget(self.account_button)
        actions = QHBoxLayout()
        for button in (self.refresh_button, self.download_button, self.open_file_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.continue_button)
        progress = QHBoxLayout()
        progress.addWidget(self.progress_bar, 1)
        progress.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("<h2>Deliveries</h2>"), "deliveriesTitle", "Deliveries"))
        layout.addLayout(account)
        layout.addWidget(self.notice_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty_label)
        layout.addLayout(progress)
        layout.addWidget(self.message_label)
        layout.addLayout(actions)

        for keys, slot in (
            (QKeySequence.StandardKey.Refresh, self.refresh_requested.emit),
            ("Ctrl+D", self._download_clicked),
            (QKeySequence.StandardKey.Open, self.open_file_requested.emit),
            ("Esc", self.cancel_requested.emit),
        ):
            page_shortcut(self, keys, slot)
        self.signed_in_user: SignedInUser | None = None
        self.offline = False  # signed in with a PIN: no server
        self._downloading: str | None = None
        self.show_signed_out()
        self.show_progress(None)

    # --- state shown -------------------------------------------------------------------

    def show_signed_in(self, user: SignedInUser, *, offline: bool = False) -> None:
        self.signed_in_user = user
        self.offline = offline
        how = "with a PIN, offline" if offline else escape(user.role)
        self.account_label.setText(f"Signed in as <b>{escape(user.full_name)}</b> ({how}).")
        self.pin_button.show()
        self.account_button.setText("&Sign out")
        self.account_button.setAccessibleName("Sign out")
        self._update_buttons()

    def show_signed_out(self, notice: str = "") -> None:
        self.signed_in_user = None
        self.offline = False
        self.pin_button.hide()
        self.account_label.setText(
            notice or "Not signed in. Packages already on this workstation can still be used."
        )
        self.account_button.setText("&Sign in…")
        self.account_button.setAccessibleName("Sign in")
        self._update_buttons()

    def set_rows(self, rows: list[DeliveryRow], *, select: str | int | None = None) -> None:
        previous = self.selected_row()
        self.model.set_rows(rows)
        self.empty_label.setVisible(not rows)
        target = select if select is not None else (previous.delivery_id if previous else 0)
        index = self.model.row_of(target) if isinstance(target, str) else target
        if rows:
            self.select(index if index is not None else 0)
        self._update_buttons()

    def select(self, row: int) -> None:
        cell = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            cell,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(cell)

    def selected_row(self) -> DeliveryRow | None:
        current = self.table.currentIndex()
        if not current.isValid() or current.row() >= len(self.model.rows):
            return None
        return self.model.rows[current.row()]

    def show_progress(self, delivery_id: str | None, received: int = 0, total: int = -1) -> None:
        """``delivery_id=None`` hides the progress bar; ``total=-1`` when unknown."""
        if self._downloading and self._downloading != delivery_id:
            self.model.set_progress(self._downloading, None)
        self._downloading = delivery_id
        self.progress_bar.setVisible(delivery_id is not None)
        self.cancel_button.setVisible(delivery_id is not None)
        if delivery_id is None:
            self._update_buttons()
            return
        if total > 0:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(received * 1000 // total)
            self.progress_bar.setFormat(f"%p% of {_size(total)}")
            self.model.set_progress(delivery_id, f"Downloading {received * 100 // total}%")
        else:
            self.progress_bar.setRange(0, 0)  # busy indicator: size unknown
            self.model.set_progress(delivery_id, f"Downloading {_size(received)}")
        self._update_buttons()

    def show_notice(self, text: str) -> None:
        """A lasting remark about the sign-in (no keyring, server unreachable); "" hides it."""
        self.notice_label.setText(text)
        self.notice_label.setVisible(bool(text))

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)

    # --- actions -------------------------------------------------------------------------

    def go_on(self) -> None:
        """Enter/double-click: open the roster if the package is here, else download it."""
        row = self.selected_row()
        if row is None:
            return
        if row.on_workstation:
            self.delivery_chosen.emit(row.delivery_id)
        else:
            self._download_clicked()

    def _download_clicked(self) -> None:
        row = self.selected_row()
        if row is not None and row.on_server and self.download_button.isEnabled():
            self.download_requested.emit(row.delivery_id)

    def _account_clicked(self) -> None:
        if self.signed_in_user is None:
            self.sign_in_requested.emit()
        else:
            self.sign_out_requested.emit()

    def _update_buttons(self) -> None:
        row = self.selected_row()
        downloading = self._downloading is not None
        online = self.signed_in_user is not None and not self.offline
        self.download_button.setEnabled(bool(row and row.on_server and online) and not downloading)
        self.continue_button.setEnabled(bool(row and row.on_workstation))
        self.refresh_button.setEnabled(online)
        self.continue_button.setDefault(bool(row and row.on_workstation))


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB"
    return f"{max(count, 0) // 1024} KB"
