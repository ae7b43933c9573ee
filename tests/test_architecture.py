"""The layer rules are enforced: a forbidden import makes ``lint-imports`` fail."""

from __future__ import annotations

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
