"""F11, short: a few workstations sync at once through random faults of every kind;
afterwards the server holds each one's records once and its answers equal theirs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from medxam_server.config import Settings
from tests.contract.fault_proxy import FAULTS_ALL
from tests.contract.sync_support import SyncEnv, Workstation, drain, sync_env

WORKSTATIONS = 6


@pytest.fixture
def pg_env(pg_settings: Settings, tmp_path: Path) -> Iterator[SyncEnv]:
    """``pg_env`` with a taker for every workstation."""
    with sync_env(pg_settings, tmp_path, takers=WORKSTATIONS) as made:
        yield made


@pytest.mark.postgres
@pytest.mark.parametrize("seed", [3, 17])
def test_workstations_at_once_through_random_faults(pg_env: SyncEnv, seed: int) -> None:
    stations = [pg_env.workstation(f"ws{i}") for i in range(WORKSTATIONS)]
    for index, ws in enumerate(stations):
        ws.rng.seed(seed * 100 + index)
        ws.sit(index, changes=2, finish=index % 3 != 2)
    pg_env.proxy.delay_s = 0.05
    pg_env.proxy.set_random(0.35, FAULTS_ALL, seed=seed, path="/api/sync/")
    failures: list[BaseException] = []

    def run(ws: Workstation) -> None:
        try:
            drain(ws.pusher, deadline_s=40)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(ws,)) for ws in stations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    assert sum(pg_env.proxy.applied.values()) > 0  # faults really happened
    pg_env.proxy.clear()
    for ws in stations:
        pg_env.holds(ws)
