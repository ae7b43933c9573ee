"""CSV export of a delivery's attempts or items table to a file the admin chooses.

``CsvExporter.export(delivery_id, title, table)`` asks for the file
(``QFileDialog.getSaveFileName``, default name from the delivery's title and the table;
``choose_path`` is the seam tests replace), then streams
``GET …/results.csv?table=…`` to it off the UI thread (``ResultsApi.download_csv``:
written beside the target and moved into place, so an error or a cancel never leaves a
file). A ``QProgressDialog`` shows the bytes as they arrive and can cancel. The outcome
is one plain line, sent as ``reported(text, problem)`` for the page to show.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog, QWidget

from medxam_desktop.errors import user_message
from medxam_desktop.sync.api_client import DownloadCancelled
from medxam_desktop.sync.results_api import CsvTable
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

TABLE_WORDS = {"attempts": "attempts", "items": "item analysis"}


def default_file_name(title: str, table: CsvTable) -> str:
    """``Cardiology finals — morning`` + ``items`` -> ``cardiology-finals-morning-items.csv``."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:80] or "results"
    return f"{slug}-{table}.csv"


def _megabytes(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count:,} bytes"


class CsvExporter(QObject):
    reported = Signal(str, bool)  # words, is a problem
    exported = Signal(object)  # Path written
    progressed = Signal(object, object)  # bytes written, total or None (from the worker)

    def __init__(self, context: AdminContext, window: QWidget) -> None:
        super().__init__(window)
        self.context = context
        self.window = window
        self.busy = False
        self.progress: QProgressDialog | None = None
        self.progress_seen: list[tuple[int, int | None]] = []
        # Seams: where to write (None: the admin cancelled), and a hook on the download
        # thread after each progress step (tests cancel from there, deterministically).
        self.choose_path: Callable[[str], Path | None] = self._ask_path
        self.on_worker_progress: Callable[[int, int | None], None] | None = None
        self._cancel = threading.Event()
        self.progressed.connect(self._show_progress)

    def _ask_path(self, suggested: str) -> Path | None:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = str(Path(folder or Path.home()) / suggested)
        chosen, _filter = QFileDialog.getSaveFileName(
            self.window, "Export as CSV", start, "CSV files (*.csv);;All files (*)"
        )
        return Path(chosen) if chosen else None

    def export(self, delivery_id: str | None, title: str, table: CsvTable) -> None:
        if self.busy:
            self.reported.emit("An export is already running.", True)
            return
        if delivery_id is None:
            self.reported.emit("Open a delivery's results first (Ctrl+1).", True)
            return
        target = self.choose_path(default_file_name(title, table))
        if target is None:
            return
        if target.suffix == "":
            target = target.with_suffix(".csv")
        self.busy = True
        self._cancel = threading.Event()
        self.progress_seen = []
        self._open_progress(TABLE_WORDS[table], target)
        api, cancel = self.context.api, self._cancel

        def download() -> int:
            return api.download_csv(
                delivery_id, table, target, progress=self._worker_progress, cancel=cancel
            )

        log.info("exporting the %s table of delivery %s", table, delivery_id)
        self.context.calls.call(
            download,
            on_done=lambda size: self._done(target, table, int(size)),
            on_error=lambda error: self._failed(target, error),
            owner=self,
        )

    def cancel(self) -> None:
        """Stop the running export (safe from any thread); nothing is left on disk."""
        self._cancel.set()

    # --- progress -----------------------------------------------------------------------

    def _open_progress(self, words: str, target: Path) -> None:
        dialog = QProgressDialog(
            f"Exporting the {words} table to {target.name}…", "Cancel", 0, 0, self.window
        )
        named(dialog, "exportProgress", f"Exporting the {words} table")
        dialog.setWindowTitle("Export as CSV")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.cancel)
        dialog.show()
        self.progress = dialog

    def _worker_progress(self, written: int, total: int | None) -> None:
        self.progressed.emit(written, total)  # queued to the UI thread
        if self.on_worker_progress is not None:
            self.on_worker_progress(written, total)

    def _show_progress(self, written: int, total: int | None) -> None:
        self.progress_seen.append((written, total))
        dialog = self.progress
        if dialog is None:
            return
        if total:
            dialog.setMaximum(1000)
            dialog.setValue(min(1000, written * 1000 // total))
            dialog.setLabelText(f"{_megabytes(written)} of {_megabytes(total)}")
        else:
            dialog.setLabelText(f"{_megabytes(written)} so far")

    def _close_progress(self) -> None:
        if self.progress is not None:
            self.progress.canceled.disconnect(self.cancel)
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    # --- outcome ------------------------------------------------------------------------

    def _done(self, target: Path, table: CsvTable, size: int) -> None:
        self.busy = False
        self._close_progress()
        self.reported.emit(
            f"Saved the {TABLE_WORDS[table]} table to {target} ({_megabytes(size)}).", False
        )
        self.exported.emit(target)

    def _failed(self, target: Path, error: Exception) -> None:
        self.busy = False
        self._close_progress()
        if isinstance(error, DownloadCancelled):
            self.reported.emit(f"Export cancelled; {target.name} was not written.", False)
            return
        log.info("export failed: %s", type(error).__name__)
        text = user_message(error).replace("\n\n", " ")
        self.reported.emit(f"The export failed; no file was written. {text}", True)
