"""Fixtures of the desktop tests that several modules share.

``admin_world`` (and its ``admin_database_url``): the live server with a delivery of
200+ synced attempts for the admin console tests, made once per session
(tests/desktop/admin_fixtures.py). ``clock`` and ``store``: a Store file on a fake
monotonic clock. ``live_settings``: a module's server on a copy of the SQLite
template. ``no_keyring``: a computer without a keyring backend. ``env``: the live
server behind a fault proxy with a delivery (``sync_env``), for the proctor's sync views.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.tasks import wait_for_all
from medxam_server.config import Settings
from tests.conftest import TEST_SECRET
from tests.contract.sync_support import SyncEnv, sync_env
from tests.desktop.admin_fixtures import admin_database_url, admin_world

__all__ = ["admin_database_url", "admin_world"]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store(tmp_path: Path, clock: FakeClock) -> Iterator[Store]:
    opened = Store.open(tmp_path / "store.sqlite3", clock=clock)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Settings:
    """Server settings on a copy of the migrated SQLite template, for a module's server."""
    directory = tmp_path_factory.mktemp("live")
    path = directory / "server.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return Settings(
        database_url=f"sqlite:///{path}", data_dir=directory / "server", secret_key=TEST_SECRET
    )


@pytest.fixture
def env(server_settings: Settings, tmp_path: Path) -> Iterator[SyncEnv]:
    """The live server with a delivery; background work is let finish before it stops."""
    with sync_env(server_settings, tmp_path) as made:
        yield made
        wait_for_all()
