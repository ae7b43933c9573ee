"""CSV export from the Results and Items pages against the live server: the file holds
the same bytes as ``GET …/results.csv``, progress is shown, the status line names the
file; a cancel or an error leaves no file (not even the partial one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.csv_export import CsvExporter, default_file_name
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.admin_fixtures import AdminWorld
from tests.desktop.admin_review_support import WAIT, items_page, make_console, open_results


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    open_results(qtbot, made, admin_world.delivery_id)
    yield made
    wait_for_all()


def exporter_of(console: AdminConsole, target: Path, asked: list[str]) -> CsvExporter:
    exporter = items_page(console).exporter

    def choose(suggested: str) -> Path:
        asked.append(suggested)
        return target

    exporter.choose_path = choose
    return exporter


def server_csv(world: AdminWorld, table: str) -> bytes:
    answer = world.admin.get(
        f"/deliveries/{world.delivery_id}/results.csv", params={"table": table}
    )
    answer.raise_for_status()
    return answer.content


def test_the_attempts_table_exports_from_the_results_page_with_progress(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "attempts.csv"
    target.parent.mkdir()
    asked: list[str] = []
    exporter = exporter_of(console, target, asked)
    button = console.findChild(QPushButton, "exportAttemptsButton")
    assert isinstance(button, QPushButton) and button.accessibleName()
    assert console.page("results").isAncestorOf(button)
    console.show_page("results")
    with qtbot.waitSignal(exporter.exported, timeout=WAIT) as done:
        qtbot.keyClick(
            console.page("results"),
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert asked == ["cardiology-finals-morning-attempts.csv"]
    assert done.args == [target]
    assert target.read_bytes() == server_csv(admin_world, "attempts")
    size = target.stat().st_size
    assert exporter.progress_seen[0] == (0, size) and exporter.progress_seen[-1] == (size, size)
    assert exporter.progress is None  # the progress dialog closed
    assert str(target) in console.message_label.text()
    assert sorted(p.name for p in target.parent.iterdir()) == ["attempts.csv"]


def test_the_items_table_exports_from_the_items_page(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, tmp_path: Path
) -> None:
    target = tmp_path / "items"  # no suffix: .csv is added
    asked: list[str] = []
    exporter = exporter_of(console, target, asked)
    page = items_page(console)
    console.show_page("items")
    with qtbot.waitSignal(exporter.exported, timeout=WAIT):
        qtbot.keyClick(
            page.table,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert asked == ["cardiology-finals-morning-items.csv"]
    written = tmp_path / "items.csv"
    assert written.read_bytes() == server_csv(admin_world, "items")
    assert f"Saved the item analysis table to {written}" in page.message_label.text()


def test_cancel_leaves_no_file(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    exporter = exporter_of(console, folder / "attempts.csv", [])
    # The admin presses Cancel as the first bytes arrive (on the download thread, so the
    # cancel lands before the first chunk is written, every time).
    exporter.on_worker_progress = lambda _written, _total: exporter.cancel()
    with qtbot.waitSignal(exporter.reported, timeout=WAIT) as said:
        exporter.export(admin_world.delivery_id, "Cardiology finals — morning", "attempts")
    assert said.args == ["Export cancelled; attempts.csv was not written.", False]
    assert list(folder.iterdir()) == []
    assert not exporter.busy and exporter.progress is None


def test_the_progress_dialogs_cancel_button_cancels(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    exporter = exporter_of(console, folder / "attempts.csv", [])
    exporter.on_worker_progress = lambda _written, _total: None
    exporter.export(admin_world.delivery_id, "t", "attempts")
    assert exporter.progress is not None and exporter.progress.isVisible()
    exporter.progress.cancel()  # the dialog's Cancel button
    with qtbot.waitSignal(exporter.reported, timeout=WAIT) as said:
        pass
    # Either the cancel landed before the only chunk was written, or the file was done.
    if said.args[0].startswith("Export cancelled"):
        assert list(folder.iterdir()) == []
    else:
        assert [p.name for p in folder.iterdir()] == ["attempts.csv"]


def test_an_error_leaves_no_file_and_says_so(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, tmp_path: Path
) -> None:
    target = tmp_path / "missing-folder" / "attempts.csv"
    exporter = exporter_of(console, target, [])
    with qtbot.waitSignal(exporter.reported, timeout=WAIT) as said:
        exporter.export(admin_world.delivery_id, "t", "attempts")
    text, problem = said.args
    assert problem and text.startswith("The export failed; no file was written.")
    assert not target.parent.exists()
    # A delivery the server does not have: its words, and nothing written.
    folder = tmp_path / "out"
    folder.mkdir()
    exporter.choose_path = lambda _suggested: folder / "x.csv"
    with qtbot.waitSignal(exporter.reported, timeout=WAIT) as said:
        exporter.export("5b0f0bb2-33c1-4a4e-9a68-6f3b8e7c2f10", "t", "attempts")
    assert "no such delivery" in said.args[0] and list(folder.iterdir()) == []


def test_choosing_no_file_does_nothing(console: AdminConsole, admin_world: AdminWorld) -> None:
    exporter = items_page(console).exporter
    exporter.choose_path = lambda _suggested: None
    exporter.export(admin_world.delivery_id, "t", "items")
    assert not exporter.busy and exporter.progress is None


@pytest.mark.parametrize(
    ("title", "table", "name"),
    [
        ("Cardiology finals — morning", "attempts", "cardiology-finals-morning-attempts.csv"),
        ("Résumé: 2026/27 (resit)", "items", "resume-2026-27-resit-items.csv"),
        ("///", "items", "results-items.csv"),
    ],
)
def test_default_file_names(title: str, table: str, name: str) -> None:
    assert default_file_name(title, table) == name  # type: ignore[arg-type]
