"""The store file: migrations equal the models, pragmas, file mode, workstation id, backup."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.store.migrate import HEAD, script_head, upgrade
from medxam_desktop.store.models import Base
from tests.desktop.sample_exam import DELIVERY_ID, package_bytes, started_attempt


def test_migrated_schema_equals_the_models(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite3")
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
        tables = set(inspect(connection).get_table_names())
    store.close()
    assert differences == []
    assert set(Base.metadata.tables) | {"alembic_version"} == tables


def test_head_shortcut_matches_the_scripts_and_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    assert script_head() == HEAD
    store = Store.open(tmp_path / "store.sqlite3")
    upgrade(store.engine)
    store.close()
    with sqlite3.connect(tmp_path / "store.sqlite3") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_file_mode_pragmas_and_workstation_id(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store.sqlite3"
    store = Store.open(path)
    started_attempt(store)
    workstation = store.workstation_id
    for file in (path, path.with_name(path.name + "-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    with store.engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        }
    assert pragma == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1,
                      "busy_timeout": 5000}  # fmt: skip
    store.close()
    again = Store.open(path)
    assert again.workstation_id == workstation and len(workstation) == 36
    again.close()


def test_package_kept_as_received(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite3")
    raw = package_bytes(question_count=3)
    info = store.packages.save(raw)
    assert store.packages.get_raw(DELIVERY_ID) == raw
    assert store.packages.list() == [info] and store.packages.get(DELIVERY_ID) == info
    store.packages.save(raw)  # a second download replaces, never duplicates
    assert len(store.packages.list()) == 1
    store.close()
    # The content stays encrypted at rest: the store holds the ciphertext, not a stem.
    assert b"Question **1**" not in (tmp_path / "store.sqlite3").read_bytes()


def test_backup_through_the_backup_api(tmp_path: Path) -> None:
    clock = FakeClock()
    store = Store.open(tmp_path / "store.sqlite3", clock=clock)
    attempt_id = started_attempt(store)
    store.answers.save(attempt_id, question_id="q", answer=("A",), flagged=False)
    store.backup(tmp_path / "copy.sqlite3")
    store.close()
    assert stat.S_IMODE((tmp_path / "copy.sqlite3").stat().st_mode) == 0o600
    copy = Store.open(tmp_path / "copy.sqlite3", clock=clock)
    assert copy.answers.current(attempt_id)["q"].answer == ("A",)
    assert copy.integrity_check() == "ok"
    copy.close()
