"""``medxam-desktop sync``/``status``/``export-bundle`` against the real server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from medxam_desktop.cli import main
from medxam_server.config import Settings
from tests.contract.live_server import PASSWORD
from tests.contract.sync_support import Workstation, sync_env


def test_sync_status_and_export_from_the_command_line(
    server_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sync_env(server_settings, tmp_path) as env:
        desk = tmp_path / "desk"
        desk.mkdir()
        ws = Workstation.open(desk / "medxam.sqlite3", env.url, env.setup)
        attempt = ws.sit(0)
        ws.sit(1, finish=False)
        ws.close()
        common = ["--server-url", env.url, "--data-dir", str(desk)]

        assert main([*common, "sync"]) == 2  # no sign-in kept for this server yet
        assert "--username" in capsys.readouterr().err

        monkeypatch.setenv("MEDXAM_PASSWORD", PASSWORD)
        assert main([*common, "sync", "--username", "pat"]) == 0
        out = capsys.readouterr().out
        assert "0 queued" in out and "1 attempt(s) complete" in out

        assert main([*common, "status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
        assert status["queued"] == 0 and status["quarantined"] == []
        [finished] = [a for a in status["attempts"] if a["attempt_id"] == attempt]
        assert finished["integrity"] == "complete" and finished["receipt_code"]

        assert main(["status", "--data-dir", str(desk)]) == 0  # options after it work too
        assert finished["receipt_code"] in capsys.readouterr().out

        assert main([*common, "export-bundle", str(tmp_path)]) == 0
        assert "record(s)" in capsys.readouterr().out
        assert len(list(tmp_path.glob("*.medxam-bundle"))) == 1

        # The kept token (keyring) is enough the next time.
        monkeypatch.delenv("MEDXAM_PASSWORD")
        assert main([*common, "sync"]) == 0


def test_status_runs_without_qt(tmp_path: Path) -> None:
    code = (
        "import sys; from medxam_desktop.__main__ import main; "
        f"rc = main(['--data-dir', {str(tmp_path)!r}, 'status']); "
        "assert 'PySide6' not in sys.modules, 'Qt imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "queued        0" in done.stdout
