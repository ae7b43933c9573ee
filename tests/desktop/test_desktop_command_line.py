"""``medxam-desktop``: only the first positional argument names a subcommand; an option's
value that happens to read "status" or "sync" still opens the window."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

from medxam_desktop.__main__ import main, subcommand

OFFLINE = "http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], None),
        (["--data-dir", "status"], None),
        (["--data-dir=status"], None),
        (["--data", "status"], None),  # argparse's abbreviation of --data-dir
        (["--server-url", "sync", "--data-dir", "export-bundle"], None),
        (["--data-dir", "/srv/medxam"], None),
        (["--version"], None),
        (["--data-dir"], None),  # no value: the window's parser says what is wrong
        (["notes", "status"], None),  # not the first positional: not a subcommand
        (["status"], "status"),
        (["status", "--json", "--data-dir", "sync"], "status"),
        (["--data-dir", "status", "status"], "status"),
        (["--server-url", "https://x", "--data-dir", "d", "sync", "--username", "pat"], "sync"),
        (["export-bundle", "status"], "export-bundle"),  # a bundle written to ./status
        (["sync", "--help"], "sync"),  # the subcommand's own help
    ],
)
def test_the_first_positional_argument_names_the_subcommand(
    argv: list[str], expected: str | None
) -> None:
    assert subcommand(argv) == expected


def test_a_data_dir_called_status_opens_the_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[dict[str, object]] = []

    def window(**kwargs: object) -> int:  # stands for the Qt event loop, which would block
        opened.append(kwargs)
        return 0

    monkeypatch.setattr("medxam_desktop.app.run", window)
    monkeypatch.setattr(gc, "freeze", lambda: None)  # the test process stays as it was
    monkeypatch.chdir(tmp_path)
    assert main(["--data-dir", "status"]) == 0
    assert main(["--server-url", "sync", "--data-dir", "export-bundle"]) == 0
    assert opened == [
        {"server_url": None, "data_dir": "status"},
        {"server_url": "sync", "data_dir": "export-bundle"},
    ]
    assert list(tmp_path.iterdir()) == []  # no sync tool opened a store anywhere


def test_the_subcommands_still_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    desk = tmp_path / "status"  # a data directory named like a subcommand
    common = ["--server-url", OFFLINE, "--data-dir", str(desk)]
    assert main([*common, "status"]) == 0
    assert "queued        0" in capsys.readouterr().out
    assert (desk / "medxam.sqlite3").is_file()
    assert main(["status", "--data-dir", str(desk), "--json"]) == 0  # options after it too
    assert json.loads(capsys.readouterr().out)["queued"] == 0
    assert main([*common, "sync"]) == 2  # no sign-in kept for this server: said, not tried
    assert "not signed in" in capsys.readouterr().err
    assert main([*common, "export-bundle", str(tmp_path)]) == 0
    assert "export-bundle:" in capsys.readouterr().out
    assert len(list(tmp_path.glob("*.medxam-bundle"))) == 1


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for command in ("sync", "status", "export-bundle"):
        assert f"\n  {command} " in out, command
    assert "opens the window" in out
