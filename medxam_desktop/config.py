"""Where the workstation keeps its files and which server it talks to."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "medxam-desktop"
APP_AUTHOR = "MedXam"
DEFAULT_SERVER_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class Config:
    """The workstation's settings, resolved once at start-up."""

    server_url: str
    data_dir: Path
    log_dir: Path

    @property
    def store_path(self) -> Path:
        return self.data_dir / "medxam.sqlite3"


def load_config(*, server_url: str | None = None, data_dir: str | Path | None = None) -> Config:
    """Arguments win over ``MEDXAM_SERVER_URL`` / ``MEDXAM_DESKTOP_DATA_DIR``, then defaults."""
    url = server_url or os.environ.get("MEDXAM_SERVER_URL") or DEFAULT_SERVER_URL
    chosen = data_dir or os.environ.get("MEDXAM_DESKTOP_DATA_DIR")
    data = Path(chosen) if chosen else Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR))
    logs = data / "logs" if chosen else Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR))
    return Config(server_url=url.rstrip("/"), data_dir=data, log_dir=logs)


def resources_dir() -> Path:
    """The ``resources/`` folder, from a source checkout or a PyInstaller bundle."""
    bundled = getattr(sys, "_MEIPASS", None)
    if bundled:
        return Path(bundled) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"
