"""The console scripts exist and answer ``--version``."""

from __future__ import annotations

import subprocess
import sys

from medxam_desktop import __version__


def test_desktop_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "medxam_desktop", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == f"medxam-desktop {__version__}"


def test_server_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "medxam_server.cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip().startswith("medxam-server ")
