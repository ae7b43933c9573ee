"""The proctor's sync status at a glance, "Sync now" (Ctrl+S) and "Export USB bundle…".

Queued, sent, confirmed and quarantined records (each quarantined one with the server's
reason), last contact, the server's clock offset, and each ended attempt with its
receipt code. Every piece of work runs through ``ui.tasks.run_in_background``; the
export reports its progress on a bar and never blocks the window.

On a computer without a keyring the signing key is in a key file that a proctor's PIN
unlocks (``SigningKeyUnlocker``): an export that finds it locked asks for a PIN and
then writes the bundle; a sync that waits for it shows "Unlock with PIN…".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.errors import SigningKeyLockedError, SyncKeyLockedError, user_message
from medxam_desktop.sync.bundle_export import BUNDLE_SUFFIX, BundleSummary, export_bundle
from medxam_desktop.sync.pusher import PushReport
from medxam_desktop.sync.status import SyncStatus
from medxam_desktop.ui.proctor.key_unlock import SigningKeyUnlocker
from medxam_desktop.ui.proctor.sync_scheduler import SyncScheduler
from medxam_desktop.ui.proctor.widgets import KEYRING_WORDS, named
from medxam_desktop.ui.tasks import run_in_background

log = logging.getLogger(__name__)


class _ExportProgress(QObject):
    """Carries (done, total) from the exporting thread to the bar (a queued signal)."""

    progressed = Signal(int, int)


NOTHING_TO_SEND = "Nothing to send — everything is on the server."
TABLE_MIN_ROWS = 4  # rows a table shows at the window's default size, without clipping
PANEL_MIN_WIDTH_PX = 380


class SyncPanel(QWidget):
    exported = Signal(object)  # BundleSummary

    def __init__(
        self,
        scheduler: SyncScheduler,
        parent: QWidget | None = None,
        *,
        unlocker: SigningKeyUnlocker | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "syncPanel", "Sync status")
        self.setMinimumWidth(PANEL_MIN_WIDTH_PX)
        self.scheduler = scheduler
        self.unlocker = unlocker
        self.choose_bundle_path: Callable[[], Path | None] = self._ask_for_path
        self.counts: dict[str, QLabel] = {}
        form = QFormLayout()
        for key, title in (
            ("queued", "Queued"),
            ("sent", "Sent, not yet confirmed"),
            ("confirmed", "Confirmed"),
            ("quarantined", "Quarantined"),
            ("contact", "Last contact"),
            ("clock", "Server clock"),
        ):
            label = QLabel("–", self)
            named(label, f"sync_{key}", title)
            form.addRow(f"{title}:", label)
            self.counts[key] = label
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        named(self.message, "syncMessage", "Sync message")
        self.sync_button = QPushButton("Sync now", self)
        named(self.sync_button, "syncNowButton", "Sync now")
        self.sync_button.setToolTip("Send everything queued to the server now (Ctrl+S)")
        self.export_button = QPushButton("Export USB bundle…", self)
        named(self.export_button, "exportBundleButton", "Export USB bundle")
        self.unlock_button = QPushButton("Unlock with PIN…", self)
        named(self.unlock_button, "unlockKeyButton", "Unlock the signing key with a PIN")
        self.unlock_button.setVisible(False)
        self.progress = QProgressBar(self)
        named(self.progress, "exportProgress", "Export progress")
        self.progress.setVisible(False)
        self.quarantine = _table(
            self, "quarantineTable", "Quarantined records", 2, "Seq", "Kind", "Reason"
        )
        self.receipts = _table(
            self, "receiptsTable", "Ended attempts", 0, "Candidate", "Status", "Server", "Receipt"
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.unlock_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(QLabel("Quarantined (kept, not sent again):", self))
        layout.addWidget(self.quarantine)
        layout.addWidget(QLabel("Receipts:", self))
        layout.addWidget(self.receipts)
        self.shortcut = QShortcut(QKeySequence("Ctrl+S"), self)
        self.shortcut.activated.connect(self.sync_now)
        self.sync_button.clicked.connect(self.sync_now)
        self.export_button.clicked.connect(self.export_requested)
        self.unlock_button.clicked.connect(self.unlock_requested)
        self._export_progress = _ExportProgress(self)
        self._export_progress.progressed.connect(self._show_progress)
        scheduler.status_changed.connect(self.show_status)
        scheduler.sync_started.connect(self._syncing)  # a method: gone with the panel
        scheduler.sync_finished.connect(self._synced)
        scheduler.sync_failed.connect(self._sync_failed)

    # --- actions -------------------------------------------------------------------------

    def sync_now(self) -> None:
        self.scheduler.sync_now()

    def export_requested(self) -> None:
        path = self.choose_bundle_path()
        if path is None:
            return
        self.export_to(path)

    def export_to(self, path: Path) -> None:
        store = self.scheduler.pusher.store
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.message.setText("Writing the bundle…")
        emit = self._export_progress.progressed.emit
        run_in_background(
            lambda: export_bundle(store, path, progress=emit),
            on_done=self._exported,
            on_error=lambda error: self._export_failed(error, path),
            owner=self,
        )

    def unlock_requested(self) -> None:
        """ "Unlock with PIN…": the sync waits for the signing key."""
        if self.unlocker is None:
            return
        self.unlocker.ask_for_pin(
            self,
            purpose="A proctor's PIN unlocks it, and sync goes on.",
            on_open=self._key_open,
            on_refused=self.message.setText,
        )

    def _key_open(self) -> None:
        self.unlock_button.setVisible(False)
        self.message.setText("The signing key is unlocked. Syncing…")
        self.scheduler.key_unlocked()

    # --- showing -------------------------------------------------------------------------

    def show_status(self, status: SyncStatus) -> None:
        self.counts["queued"].setText(str(status.queued))
        self.counts["sent"].setText(str(status.sent))
        self.counts["confirmed"].setText(str(status.confirmed))
        self.counts["quarantined"].setText(str(len(status.quarantined)))
        self.counts["contact"].setText(_ago(status.last_contact))
        offset = status.clock_offset_ms
        self.counts["clock"].setText("–" if offset is None else f"{offset / 1000:+.1f} s")
        if status.last_error:
            self.message.setText(status.last_error + self._next_try())
        elif status.bundle_key_problem:
            self.message.setText(_bundle_key_words(status.bundle_key_problem))
        _fill(
            self.quarantine,
            [(str(q.record.seq), q.record.kind, q.reason) for q in status.quarantined],
        )
        _fill(
            self.receipts,
            [
                (
                    f"{a.candidate_number} {a.full_name}",
                    a.status,
                    a.integrity or "not confirmed",
                    a.receipt_code or "–",
                )
                for a in status.attempts
            ],
        )

    def _syncing(self) -> None:
        self._busy("Syncing…")

    def _busy(self, text: str) -> None:
        self.sync_button.setEnabled(False)
        self.message.setText(text)

    def _synced(self, report: PushReport) -> None:
        self.sync_button.setEnabled(True)
        self.unlock_button.setVisible(False)
        if report.skipped:
            return
        if report.batches == 0 and report.acknowledged == 0:
            self.message.setText(NOTHING_TO_SEND)
        else:
            self.message.setText(f"Synced: {report.acknowledged} record(s) confirmed.")

    def _sync_failed(self, error: Exception) -> None:
        self.sync_button.setEnabled(True)
        locked = isinstance(error, SyncKeyLockedError) and self.unlocker is not None
        self.unlock_button.setVisible(locked)
        self.message.setText(user_message(error) + self._next_try())

    def _next_try(self) -> str:
        if self.scheduler.waiting_for_sign_in:
            return "\nSign in again to go on syncing."
        retry = self.scheduler.retry_in_ms
        return f"\nNext try in {retry // 1000 + 1} s." if retry >= 0 else ""

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _exported(self, summary: BundleSummary) -> None:
        self.export_button.setEnabled(True)
        self.progress.setVisible(False)
        self.message.setText(
            f"Bundle written: {summary.record_count} record(s) of {summary.attempt_count} "
            f"attempt(s) to {summary.path}. Give it to an administrator to import."
        )
        self.exported.emit(summary)

    def _export_failed(self, error: Exception, path: Path | None = None) -> None:
        if isinstance(error, SigningKeyLockedError) and self.unlocker and path is not None:
            self.message.setText("The bundle waits for a proctor's PIN to unlock the key.")
            dialog = self.unlocker.ask_for_pin(
                self,
                purpose="A proctor's PIN unlocks it to sign the USB bundle.",
                on_open=lambda: self.export_to(path),
                on_refused=self._export_refused,
            )
            dialog.rejected.connect(lambda: self._export_refused("Nothing was written."))
            return
        self._export_refused(user_message(error))

    def _export_refused(self, words: str) -> None:
        self.export_button.setEnabled(True)
        self.progress.setVisible(False)
        self.message.setText(words)

    def _ask_for_path(self) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(
            self,
            "Export USB bundle",
            f"medxam{BUNDLE_SUFFIX}",
            f"MedXam bundles (*{BUNDLE_SUFFIX});;All files (*)",
        )
        return Path(chosen) if chosen else None


def _bundle_key_words(problem: str) -> str:
    """One plain line for why the server may refuse this workstation's USB bundles."""
    if "keyring" in problem.casefold():
        return KEYRING_WORDS
    return (
        "USB bundles from this workstation will be accepted once it has synced while a "
        "proctor is signed in (its signing key is registered then)."
    )


def _table(parent: QWidget, name: str, title: str, stretch: int, *headers: str) -> QTableWidget:
    """Columns fit their contents except ``stretch``, which takes the rest (its text
    elided, whole in the tooltip): no sideways scrolling at the default size."""
    table = QTableWidget(0, len(headers), parent)
    named(table, name, title)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setWordWrap(False)
    table.setMinimumHeight(TABLE_MIN_ROWS * table.verticalHeader().defaultSectionSize() + 28)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return "never"
    seconds = max(0, int((datetime.now(UTC) - moment).total_seconds()))
    local = moment.astimezone().strftime("%H:%M:%S")
    if seconds < 120:
        return f"{local} ({seconds} s ago)"
    return f"{local} ({seconds // 60} min ago)"
