"""Workstations that sit exams in a real Store, and the checks that the server holds
exactly what they made: every record once, every answer equal, every finished attempt
``complete`` with the receipt code the workstation was given.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Connection, create_engine, select, text

from medxam_desktop.domain.content import ExamContent
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.package import decrypt_content
from medxam_desktop.sync.pusher import Pusher
from medxam_server.config import Settings, normalise_database_url
from medxam_server.models import QuarantinedRecord, SyncBatch, SyncRecord
from medxam_server.models import Workstation as WorkstationRow
from tests.conftest import TEST_SECRET
from tests.contract.fault_proxy import FaultProxy
from tests.contract.live_server import PASSWORD, admin_client, serving, set_up_delivery
from tests.support.server import free_port, server_child, uvicorn_command


@dataclass
class Workstation:
    """One desktop: its own store, client and pusher, with a package from the server."""

    store: Store
    client: ApiClient
    pusher: Pusher
    content: ExamContent
    delivery_id: str
    taker_ids: list[str]
    user_id: str
    rng: random.Random = field(default_factory=random.Random)

    @classmethod
    def open(
        cls, path: Path, url: str, setup: dict[str, Any], *, package: bytes | None = None
    ) -> Workstation:
        client = ApiClient(url)
        _, user = client.login("pat", PASSWORD)
        delivery = setup["delivery"]
        if package is None:
            package = client.download_package(delivery["id"]).body
        assert package is not None
        store = Store.open(path)
        store.packages.save(package)
        content = decrypt_content(package, delivery["start_code"])
        takers = [t["id"] for t in setup["takers"]]
        pusher = Pusher(store, client)
        return cls(store, client, pusher, content, delivery["id"], takers, user.id)

    def close(self) -> None:
        self.client.close()
        self.store.close()

    def sit(self, taker_index: int, *, changes: int = 1, finish: bool = True) -> str:
        """A candidate answers every question (changing some answers), then finishes."""
        attempt = self.store.attempts.check_in(
            delivery_id=self.delivery_id, taker_id=self.taker_ids[taker_index], by=self.user_id
        )
        self.store.attempts.start(attempt.id, by=self.user_id)
        for _ in range(changes):
            for question in self.content.questions:
                labels = [o.label for o in question.options]
                count = 2 if question.allows_several else 1
                chosen = tuple(self.rng.sample(labels, count))
                self.store.answers.enter_question(attempt.id, question_id=question.id)
                self.store.answers.save(
                    attempt.id, question_id=question.id, answer=chosen, flagged=False
                )
        if finish:
            self.store.attempts.finish(attempt.id, by=self.user_id)
        return attempt.id


def admin_api(url: str) -> ApiClient:
    """The desktop's own ApiClient, signed in as the admin (to import bundles, as an admin
    does from the desktop)."""
    client = ApiClient(url)
    client.login("admin", PASSWORD)
    return client


def drain(pusher: Pusher, *, deadline_s: float = 30.0, max_sleep_s: float = 0.3) -> int:
    """``pusher.sync()`` until it succeeds (sleeping a short, capped backoff); tries made."""
    tries = 0
    end = time.monotonic() + deadline_s
    while True:
        tries += 1
        try:
            pusher.sync()
            return tries
        except Exception:
            if time.monotonic() > end:
                raise
            time.sleep(min(max_sleep_s, pusher.backoff.next_delay()))


@contextmanager
def server_database(database_url: str) -> Iterator[Connection]:
    """A connection to the server's database, straight (not through the API)."""
    engine = create_engine(normalise_database_url(database_url))
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def server_rows(database_url: str, workstation_id: str) -> tuple[list[str], list[str]]:
    """(record ids kept, record ids quarantined) for a workstation, straight from the DB."""
    with server_database(database_url) as connection:
        kept = connection.execute(
            select(SyncRecord.id).where(SyncRecord.workstation_id == workstation_id)
        ).scalars()
        kept_ids = [str(i).lower() for i in kept]
        quarantined = connection.execute(
            select(QuarantinedRecord.record_id).where(
                QuarantinedRecord.workstation_id == workstation_id
            )
        ).scalars()
        return kept_ids, [str(i).lower() for i in quarantined]


def registered_key(env: SyncEnv, workstation_id: str) -> str | None:
    """The public key the server holds for a workstation (None before it registers one)."""
    with server_database(env.database_url) as connection:
        query = select(WorkstationRow.public_key).where(WorkstationRow.id == workstation_id)
        return connection.execute(query).scalar()


def assert_server_holds(
    database_url: str, admin: httpx.Client, ws: Workstation, *, quarantined: int = 0
) -> None:
    """Every record once; answers equal record for record; finished attempts complete."""
    local = ws.store.outbox.records()
    kept, rejected = server_rows(database_url, ws.store.workstation_id)
    assert len(kept) == len(set(kept)), "a record is doubled on the server"
    local_ids = {r.id for r in local}
    assert set(kept) | set(rejected) == local_ids, "the server lost or invented records"
    assert len(set(rejected)) == quarantined
    counts = ws.store.outbox.counts()
    assert counts.pending == 0 and counts.quarantined == quarantined
    for info in ws.store.packages.list():
        for attempt in ws.store.attempts.list_for_delivery(info.delivery_id):
            remote = admin.get(f"/attempts/{attempt.id}")
            remote.raise_for_status()
            answers = admin.get(f"/attempts/{attempt.id}/answers").json()
            held = {a["question_id"]: sorted(a["answer"]) for a in answers if a["answer"]}
            mine = {
                q: sorted(a.answer)
                for q, a in ws.store.answers.current(attempt.id).items()
                if a.answer
            }
            assert held == mine, f"answers of attempt {attempt.id} differ"
            if attempt.status.value == "finished":
                assert remote.json()["integrity"] == "complete"
                assert attempt.integrity == "complete" and attempt.receipt_code
                receipt = admin.get(f"/receipts/{attempt.receipt_code}")
                assert receipt.status_code == 200 and receipt.json()["attempt_id"] == attempt.id


@contextmanager
def server_process(
    database_url: str, data_dir: Path, *, port: int | None = None
) -> Iterator[tuple[int, Callable[[], None]]]:
    """The server as a child process; yields its port and a SIGKILL for it."""
    port = port or free_port()
    env = {
        **os.environ,
        "MEDXAM_DATABASE_URL": database_url,
        "MEDXAM_DATA_DIR": str(data_dir),
        "MEDXAM_SECRET_KEY": TEST_SECRET,
    }
    with server_child(uvicorn_command(port), port=port, env=env) as child:
        yield port, child.kill


@dataclass
class SyncEnv:
    """A live server (behind a fault proxy) with a delivery, and workstations to sit it."""

    url: str  # through the proxy
    direct_url: str
    proxy: FaultProxy
    admin: httpx.Client
    setup: dict[str, Any]
    database_url: str
    tmp_path: Path
    workstations: list[Workstation] = field(default_factory=list)

    def workstation(self, name: str = "ws") -> Workstation:
        ws = Workstation.open(self.tmp_path / f"{name}.sqlite3", self.url, self.setup)
        self.workstations.append(ws)
        return ws

    def holds(self, ws: Workstation, *, quarantined: int = 0) -> None:
        assert_server_holds(self.database_url, self.admin, ws, quarantined=quarantined)


@contextmanager
def sync_env(settings: Settings, tmp_path: Path, *, takers: int = 4) -> Iterator[SyncEnv]:
    with serving(settings) as direct_url:
        port = int(direct_url.rsplit(":", 1)[1])
        proxy = FaultProxy(port)
        url = proxy.start()
        admin = admin_client(direct_url)
        setup = set_up_delivery(admin, taker_count=takers, question_count=4)
        env = SyncEnv(url, direct_url, proxy, admin, setup, str(settings.database_url), tmp_path)
        try:
            yield env
        finally:
            for ws in env.workstations:
                ws.close()
            admin.close()
            proxy.stop()


def server_batches(database_url: str, workstation_id: str) -> list[str]:
    """The Idempotency-Keys the server kept for a workstation."""
    with server_database(database_url) as connection:
        rows = connection.execute(
            select(SyncBatch.id).where(SyncBatch.workstation_id == workstation_id)
        ).scalars()
        return [str(r) for r in rows]


def _admin_engine(database_url: str) -> Any:
    admin = normalise_database_url(database_url).rsplit("/", 1)[0] + "/postgres"
    return create_engine(admin, isolation_level="AUTOCOMMIT")


def _kick(connection: Any, database: str) -> None:
    connection.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = :db AND pid <> pg_backend_pid()"
        ),
        {"db": database},
    )


@contextmanager
def database_refusing(database_url: str, database: str) -> Iterator[None]:
    """PostgreSQL stops letting anyone into ``database`` (and drops who is in): for the
    server, its database is down."""
    engine = _admin_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            _kick(connection, database)
        yield
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        engine.dispose()


def snapshot_database(database_url: str) -> str:
    """A backup of the server's PostgreSQL database (a copy made as a template)."""
    database = database_url.rsplit("/", 1)[1]
    snapshot = f"{database}_backup"
    engine = _admin_engine(database_url)
    try:
        with engine.connect() as connection:
            _kick(connection, database)
            connection.execute(text(f'CREATE DATABASE "{snapshot}" TEMPLATE "{database}"'))
    finally:
        engine.dispose()
    return snapshot


def restore_database(database_url: str, snapshot: str) -> None:
    """Replace the server's database by the older backup (and drop the backup)."""
    database = database_url.rsplit("/", 1)[1]
    engine = _admin_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{database}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{database}" TEMPLATE "{snapshot}"'))
            connection.execute(text(f'DROP DATABASE "{snapshot}"'))
    finally:
        engine.dispose()
