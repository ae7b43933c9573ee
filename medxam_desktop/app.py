"""Composition root: configuration, logging, the API client and the windows."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from medxam_desktop import __version__
from medxam_desktop.config import load_config
from medxam_desktop.log import configure_logging
from medxam_desktop.sync.api_client import ApiClient, ServerHealth
from medxam_desktop.ui.main_window import MainWindow
from medxam_desktop.ui.tasks import run_in_background, wait_for_all

log = logging.getLogger(__name__)


def run(*, server_url: str | None = None, data_dir: str | Path | None = None) -> int:
    """Start the workstation and run the Qt event loop until the window closes."""
    config = load_config(server_url=server_url, data_dir=data_dir)
    config.data_dir.mkdir(parents=True, exist_ok=True)
    configure_logging(config.log_dir)
    log.info("MedXam Desktop %s starting; server %s", __version__, config.server_url)
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("MedXam Desktop")
    client = ApiClient(config.server_url)
    window = MainWindow(server_url=config.server_url)
    window.show()

    def checked(health: ServerHealth) -> None:
        window.show_online(health.version)

    run_in_background(client.health, on_done=checked, on_error=window.show_offline)
    code = app.exec()
    wait_for_all()
    client.close()
    return code
