"""What B6 and F11 share: a fresh server database, the server as a child process on
loopback, a delivery set up over HTTP, and workstations with real Stores.

PostgreSQL from ``MEDXAM_BENCH_DATABASE_URL`` (default the local test server); a fresh
database is made and dropped afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import keyring
import psycopg
from sqlalchemy.engine import make_url

from medxam_desktop.store import Store
from medxam_server.config import normalise_database_url
from medxam_server.db.session import make_engine, make_session_factory, transaction
from medxam_server.migrate import upgrade
from medxam_server.services.accounts import auth
from tests.contract.live_server import PASSWORD, admin_client, set_up_delivery
from tests.memory_keyring import InMemoryKeyring
from tests.support.server import base_url, free_port, server_child, uvicorn_command

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SECRET = "bench-secret"


def use_memory_keyring() -> None:
    """Keeps the bench's bundle keys off the machine's real keyring."""
    keyring.set_keyring(InMemoryKeyring())


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(normalise_database_url(url)).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A migrated PostgreSQL database with an admin; yields its URL."""
    server_url = os.environ.get("MEDXAM_BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"medxam_{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = _libpq(server_url, name)
    try:
        engine = make_engine(normalise_database_url(url))
        upgrade(engine)
        with transaction(make_session_factory(engine)) as session:
            auth.create_user(
                session, username="admin", password=PASSWORD, full_name="Admin", role="admin"
            )
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


@contextmanager
def server(database_url: str, *, workers: int = 1) -> Iterator[str]:
    """``medxam_server`` under uvicorn in a child process; yields its base URL."""
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="medxam-bench-server-")
    env = {
        **os.environ,
        "MEDXAM_DATABASE_URL": database_url,
        "MEDXAM_DATA_DIR": data_dir,
        "MEDXAM_SECRET_KEY": SECRET,
    }
    command = [*uvicorn_command(port), "--workers", str(workers), "--backlog", "2048"]
    try:
        with server_child(command, port=port, env=env, timeout_s=60):
            yield base_url(port)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def delivery(url: str, *, takers: int, questions: int = 4) -> dict[str, Any]:
    admin = admin_client(url)
    try:
        return set_up_delivery(admin, taker_count=takers, question_count=questions)
    finally:
        admin.close()


class StoreFactory:
    """Fresh stores fast: one migrated file copied, each opening with its own id."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.template = folder / "template.sqlite3"
        Store.open(self.template).close()
        with sqlite3.connect(self.template) as db:
            db.execute("DELETE FROM meta WHERE key = 'workstation_id'")

    def open(self, name: str) -> Store:
        path = self.folder / f"{name}.sqlite3"
        shutil.copyfile(self.template, path)
        return Store.open(path)


def _proxy_child(
    upstream_port: int, rate: float, seed: int, ports: Any, stop: Any, stats: Any
) -> None:
    from tests.contract.fault_proxy import FAULTS_ALL, FaultProxy

    proxy = FaultProxy(upstream_port)
    proxy.start()
    proxy.set_random(rate, FAULTS_ALL, seed=seed, path="/api/sync/")
    ports.put(proxy.port)
    stop.wait()
    proxy.clear()
    stats.put((list(proxy.latencies_ms), sum(proxy.applied.values())))
    stop.clear()
    stop.wait()  # until the parent has read the stats
    proxy.stop()


class ProxyProcess:
    """The fault proxy in its own process, so it never waits for the bench's GIL."""

    def __init__(self, upstream_url: str, *, rate: float, seed: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._ports = context.Queue()
        self._stats = context.Queue()
        self._stop = context.Event()
        port = int(upstream_url.rsplit(":", 1)[1])
        self._child = context.Process(
            target=_proxy_child,
            args=(port, rate, seed, self._ports, self._stop, self._stats),
            daemon=True,
        )
        self._child.start()
        self.url = f"http://127.0.0.1:{self._ports.get(timeout=60)}"

    def calm(self) -> tuple[list[float], int]:
        """Stop injecting faults; (server latencies in ms, faults injected)."""
        self._stop.set()
        latencies, faults = self._stats.get(timeout=60)
        return latencies, faults

    def close(self) -> None:
        self._stop.set()
        self._child.join(10)
        if self._child.is_alive():
            self._child.kill()
