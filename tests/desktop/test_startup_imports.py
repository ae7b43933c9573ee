"""Start-up stays light (benchmark B3): what the first window does not need is imported
later, off the UI thread. Each check runs in a fresh interpreter, so ``sys.modules``
tells what was imported."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from medxam_desktop.store.engine import make_engine, prepare_file
from medxam_desktop.store.migrate import HEAD, upgrade

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, *args: str) -> list[str]:
    """Run ``code`` in a fresh interpreter; its stdout lines."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.split()


_OPEN_STORE = """
import sys
from pathlib import Path
from medxam_desktop.store import Store
Store.open(Path(sys.argv[1])).close()
print("alembic" in sys.modules)
"""


def test_an_up_to_date_store_opens_without_alembic(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    assert _run(_OPEN_STORE, str(path)) == ["True"]  # a new store: migrated by Alembic
    assert _run(_OPEN_STORE, str(path)) == ["False"]  # already at HEAD: one query
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_an_old_store_is_still_upgraded_on_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    prepare_file(path)
    engine = make_engine(path)
    upgrade(engine, "0001")
    engine.dispose()
    assert _run(_OPEN_STORE, str(path)) == ["True"]
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]


def test_the_composition_root_imports_no_database_or_http_library() -> None:
    code = (
        "import sys\n"
        "import medxam_desktop.app\n"
        "from medxam_desktop.sync.api_client import ApiClient\n"
        "ApiClient('http://127.0.0.1:9').close()\n"
        "print(*sorted(m for m in ('sqlalchemy', 'alembic', 'httpx') if m in sys.modules))\n"
    )
    assert _run(code) == []
