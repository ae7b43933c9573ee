"""Fixtures of the contract tests: the live server behind a fault proxy, with a delivery
(``sync_env``), on the parametrised database (``env``) or on PostgreSQL only (``pg_env``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from medxam_server.config import Settings
from tests.conftest import TEST_SECRET
from tests.contract.sync_support import SyncEnv, sync_env


@pytest.fixture
def env(server_settings: Settings, tmp_path: Path) -> Iterator[SyncEnv]:
    with sync_env(server_settings, tmp_path) as made:
        yield made


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> Settings:
    """Server settings on a fresh migrated PostgreSQL database (tests that are PG-only)."""
    return Settings(
        database_url=postgres_url, data_dir=tmp_path / "server-data", secret_key=TEST_SECRET
    )


@pytest.fixture
def pg_env(pg_settings: Settings, tmp_path: Path) -> Iterator[SyncEnv]:
    with sync_env(pg_settings, tmp_path) as made:
        yield made
