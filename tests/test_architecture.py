"""The layer rules are enforced: a forbidden import makes ``lint-imports`` fail."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _copy_project(target: Path) -> None:
    for package in ("medxam_desktop", "medxam_server"):
        shutil.copytree(
            ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("medxam_desktop/domain/__init__.py", "import PySide6", "standard library"),
        ("medxam_desktop/sync/__init__.py", "import sqlalchemy", "SQLAlchemy only"),
        ("medxam_desktop/store/__init__.py", "import medxam_desktop.ui", "Desktop layers"),
        ("medxam_desktop/sync/__init__.py", "import medxam_server", "only over HTTP"),
        ("medxam_server/services/__init__.py", "import fastapi", "FastAPI only"),
        (
            "medxam_desktop/ui/candidate/__init__.py",
            "import medxam_desktop.ui.proctor",
            "ui.candidate",
        ),
        ("medxam_server/rules/__init__.py", "import sqlalchemy", "rules are pure"),
        ("medxam_server/rules/__init__.py", "import medxam_server.models", "rules are pure"),
        ("medxam_server/db/__init__.py", "import medxam_server.services", "db/ knows no"),
        (
            "medxam_server/services/setup/__init__.py",
            "import medxam_server.services.sync",
            "Server services",
        ),
        ("medxam_server/services/sync/__init__.py", "import psycopg", "psycopg only"),
        (
            "medxam_server/services/sync/checks.py",
            "import medxam_server.services.sync.apply",
            "Sync pipeline",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_lint(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    _copy_project(tmp_path)
    assert _lint(tmp_path).returncode == 0
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert contract in result.stdout


DIALECT_MODULES = ("medxam_server/db/", "medxam_server/models.py", "medxam_server/migrations/")


def _reads_the_dialect(tree: ast.AST) -> list[int]:
    """Lines that import ``sqlalchemy.dialects`` or read ``<bind>.dialect``."""
    return [node.lineno for node in ast.walk(tree) if _is_dialect_node(node)]


def _is_dialect_node(node: ast.AST) -> bool:
    if isinstance(node, ast.ImportFrom):
        return (node.module or "").startswith("sqlalchemy.dialects")
    if isinstance(node, ast.Import):
        return any(alias.name.startswith("sqlalchemy.dialects") for alias in node.names)
    return isinstance(node, ast.Attribute) and node.attr == "dialect"


def test_only_db_tells_postgresql_from_sqlite() -> None:
    """import-linter cannot forbid a subpackage of SQLAlchemy, so this test does: outside
    ``medxam_server/db/`` (and the models' column types, and migrations) no server module
    imports ``sqlalchemy.dialects`` or reads ``.dialect``; they ask ``db.dialect``."""
    offenders = []
    for path in sorted((ROOT / "medxam_server").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(DIALECT_MODULES):
            continue
        for line in _reads_the_dialect(ast.parse(path.read_text(), relative)):
            offenders.append(f"{relative}:{line}")
    assert offenders == []


def test_the_dialect_check_sees_a_dialect_branch() -> None:
    branch = "def f(session):\n    return session.get_bind().dialect.name == 'postgresql'\n"
    assert _reads_the_dialect(ast.parse(branch)) == [2]
    assert _reads_the_dialect(ast.parse("from sqlalchemy.dialects import sqlite\n")) == [1]
