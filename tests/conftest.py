"""Fixtures shared by every test: offscreen Qt, temporary data, keyring, databases.

Server tests take ``database_url`` (parametrised over SQLite and PostgreSQL). The
PostgreSQL side needs ``MEDXAM_TEST_DATABASE_URL``; without it those tests skip, except
under ``MEDXAM_REQUIRE_POSTGRES=1`` (as in ``.ci/run``), where they fail instead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import keyring
import psycopg
import pytest
from keyring.backends import fail
from sqlalchemy.engine import make_url

from medxam_desktop.sync.workstation_key import forget_unlocked_keys
from medxam_server.config import Settings, normalise_database_url
from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from tests.memory_keyring import InMemoryKeyring

POSTGRES_ENV = "MEDXAM_TEST_DATABASE_URL"
REQUIRE_POSTGRES_ENV = "MEDXAM_REQUIRE_POSTGRES"
TEST_SECRET = "test-secret-not-for-production"

__all__ = ["TEST_SECRET", "InMemoryKeyring"]


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[InMemoryKeyring]:
    """Every test gets a fresh in-memory keyring, registered through keyring's API."""
    previous = keyring.get_keyring()
    backend = InMemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A computer with no usable keyring (keyring's own ``fail`` backend: every call
    fails). A workstation key a PIN opened from the key file is forgotten before and
    after, as a program restart would."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    forget_unlocked_keys()
    yield
    forget_unlocked_keys()
    keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary data directory for the desktop and the server."""
    path = tmp_path / "data"
    path.mkdir()
    monkeypatch.setenv("MEDXAM_DESKTOP_DATA_DIR", str(path / "desktop"))
    monkeypatch.setenv("MEDXAM_DATA_DIR", str(path / "server"))
    return path


def _require_postgres() -> bool:
    return os.environ.get(REQUIRE_POSTGRES_ENV, "") not in ("", "0", "false")


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The PostgreSQL server used to create per-test databases."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        message = f"{POSTGRES_ENV} is not set"
        if _require_postgres():
            pytest.fail(f"{message}, but {REQUIRE_POSTGRES_ENV}=1 requires PostgreSQL tests")
        pytest.skip(message)
    try:
        with psycopg.connect(_libpq(url), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        if _require_postgres():
            pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    return url


def _libpq(url: str) -> str:
    """A libpq connection string from a SQLAlchemy or plain PostgreSQL URL."""
    return (
        make_url(normalise_database_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


def _with_database(url: str, name: str) -> str:
    return (
        make_url(normalise_database_url(url))
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def _admin_execute(admin_url: str, statement: str) -> None:
    with psycopg.connect(_libpq(admin_url), autocommit=True) as connection:
        connection.execute(statement)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_template(postgres_admin_url: str) -> Iterator[str]:
    """A migrated database, made once per test process, to clone for each test."""
    name = f"medxam_tmpl_{uuid.uuid4().hex[:12]}"
    _admin_execute(postgres_admin_url, f'CREATE DATABASE "{name}"')
    engine = make_engine(_with_database(postgres_admin_url, name))
    upgrade(engine)
    engine.dispose()
    yield name
    _admin_execute(postgres_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_postgres(admin_url: str, template: str | None) -> Iterator[str]:
    name = f"medxam_test_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    _admin_execute(admin_url, f'CREATE DATABASE "{name}"{clause}')
    try:
        yield _with_database(admin_url, name)
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    yield from _fresh_postgres(admin_url, None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database migrated to head: SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        path = tmp_path / "server.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    template = request.getfixturevalue("postgres_template")
    yield from _fresh_postgres(admin_url, template)


@pytest.fixture
def postgres_url(postgres_admin_url: str, postgres_template: str) -> Iterator[str]:
    """A fresh migrated PostgreSQL database, for tests that are PostgreSQL-only."""
    yield from _fresh_postgres(postgres_admin_url, postgres_template)


@pytest.fixture
def server_settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url, data_dir=tmp_path / "server-data", secret_key=TEST_SECRET
    )
