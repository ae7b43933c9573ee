"""Downloading a delivery's package in the background, with progress and cancel.

The download runs on ``run_in_background``; progress comes back to the UI thread as a
queued signal, at most once per percent. The package is then kept in the store (on the
store worker) and only then reported done.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, Signal

from medxam_desktop.domain.package import PackageInfo, parse_package
from medxam_desktop.sync.api_client import ApiClient, DownloadCancelled, PackageDownload
from medxam_desktop.sync.package import check_package
from medxam_desktop.ui.proctor.store_port import ProctorStore
from medxam_desktop.ui.tasks import run_in_background, run_on_store

log = logging.getLogger(__name__)


class PackageDownloader(QObject):
    """One download at a time. Signals carry the delivery id first."""

    progressed = Signal(str, int, int)  # delivery_id, bytes received, total (-1 unknown)
    finished = Signal(str, object)  # delivery_id, PackageInfo
    failed = Signal(str, object)  # delivery_id, Exception
    cancelled = Signal(str)

    def __init__(self, client: ApiClient, store: ProctorStore) -> None:
        super().__init__()
        self.client = client
        self.store = store
        self.delivery_id: str | None = None
        self._cancel = threading.Event()
        self._etags: dict[str, str] = {}  # the last ETag per delivery, this run only

    @property
    def busy(self) -> bool:
        return self.delivery_id is not None

    def start(self, delivery_id: str) -> None:
        if self.busy:
            raise RuntimeError("a download is already running")
        self.delivery_id = delivery_id
        cancel = self._cancel = threading.Event()
        etag = self._etags.get(delivery_id)
        last_percent = [-1]

        def progress(received: int, total: int | None) -> None:
            percent = received * 100 // total if total else received // 65536
            if percent != last_percent[0] and not cancel.is_set():
                last_percent[0] = percent
                self.progressed.emit(delivery_id, received, total if total else -1)

        def download() -> PackageDownload:
            return self.client.download_package(
                delivery_id, progress=progress, etag=etag, cancel=cancel
            )

        run_in_background(
            download,
            on_done=lambda result: self._downloaded(delivery_id, cancel, result),
            on_error=lambda error: self._failed(delivery_id, cancel, error),
        )

    def cancel(self) -> None:
        """Stop now as far as the proctor can tell; the worker notices at its next chunk."""
        delivery_id = self.delivery_id
        if delivery_id is None:
            return
        self._cancel.set()
        self.delivery_id = None
        log.info("download of delivery %s cancelled", delivery_id)
        self.cancelled.emit(delivery_id)

    def _downloaded(
        self, delivery_id: str, cancel: threading.Event, result: PackageDownload
    ) -> None:
        if cancel.is_set():
            return
        if result.not_modified:
            run_on_store(
                lambda: parse_package(self.store.packages.get_raw(delivery_id)),
                on_done=lambda info: self._kept(delivery_id, info),
                on_error=lambda error: self._failed(delivery_id, cancel, error),
            )
            return
        raw = result.body or b""
        if result.etag:
            self._etags[delivery_id] = result.etag
        run_on_store(
            lambda: self._keep(raw),
            on_done=lambda info: self._kept(delivery_id, info),
            on_error=lambda error: self._failed(delivery_id, cancel, error),
        )

    def _keep(self, raw: bytes) -> PackageInfo:
        check_package(raw)  # refuse a damaged file before it reaches the store
        return self.store.packages.save(raw)

    def _kept(self, delivery_id: str, info: PackageInfo) -> None:
        self.delivery_id = None
        self.finished.emit(delivery_id, info)

    def _failed(self, delivery_id: str, cancel: threading.Event, error: Exception) -> None:
        if isinstance(error, DownloadCancelled) or cancel.is_set():
            return  # already reported by cancel()
        self.delivery_id = None
        self._etags.pop(delivery_id, None)
        self.failed.emit(delivery_id, error)
