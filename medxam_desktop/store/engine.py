"""Opening the SQLite file: mode 0600, WAL, synchronous=FULL, foreign keys, busy timeout.

One connection (``StaticPool``) shared under the store's lock: the store has one writer,
the single store worker of ``ui/tasks.py``. Transactions start with ``BEGIN IMMEDIATE``
so a write never has to upgrade a read lock.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import StaticPool

BUSY_TIMEOUT_MS = 5000
FILE_MODE = 0o600
DIR_MODE = 0o700

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)
MACOS_PRAGMAS = ("PRAGMA fullfsync=ON", "PRAGMA checkpoint_fullfsync=ON")


def prepare_file(path: Path) -> None:
    """Create the directory (0700) and the file (0600), and tighten the mode if needed."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    os.close(fd)
    path.chmod(FILE_MODE)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        with contextlib.suppress(FileNotFoundError):
            companion.chmod(FILE_MODE)


def apply_pragmas(connection: sqlite3.Connection) -> None:
    for pragma in (*PRAGMAS, *(MACOS_PRAGMAS if sys.platform == "darwin" else ())):
        connection.execute(pragma)


def make_engine(path: Path) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        poolclass=StaticPool,
        connect_args={"check_same_thread": False, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        apply_pragmas(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine
