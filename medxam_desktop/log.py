"""Logging, configured once: a rotating file in the user log directory.

Never log a token, a password or an answer: log ids and counts instead.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

LOG_FILE_NAME = "medxam-desktop.log"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _OurHandler:
    """Marks the handlers configure_logging installed, so a second call replaces them."""


class _RotatingFile(_OurHandler, logging.handlers.RotatingFileHandler):
    pass


class _Stderr(_OurHandler, logging.StreamHandler):  # type: ignore[type-arg]
    pass


def configure_logging(log_dir: Path, *, level: int = logging.INFO) -> Path:
    """Send every logger to ``log_dir/medxam-desktop.log`` (5 files of 2 MiB) and stderr."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if isinstance(handler, _OurHandler):
            root.removeHandler(handler)
            handler.close()
    file_handler = _RotatingFile(path, maxBytes=2 * 1024 * 1024, backupCount=5, encoding="utf-8")
    handlers: list[logging.Handler] = [file_handler, _Stderr()]
    for handler in handlers:
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    return path
