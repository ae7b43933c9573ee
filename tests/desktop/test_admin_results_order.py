"""The Results page's order of work against the real server on loopback (201 finished attempts).

The table rows are prepared in the background before the summary is shown: prepared
after it, their Python ran on a worker while the UI thread repainted the page, and every
``data()`` call of that paint waited for the GIL (benchmark B8: the UI stood still for
70-120 ms). The cache write comes after and never holds the table back.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.results import AttemptRow
from medxam_desktop.sync.results_cache import FetchedResults
from medxam_desktop.ui.admin import results_page as results_page_module
from medxam_desktop.ui.admin.attempts_model import PreparedRow
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.admin_fixtures import AdminWorld
from tests.desktop.test_admin_console import WAIT, make_console, results_page


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    yield made
    wait_for_all()


def test_rows_are_prepared_before_the_summary_and_the_cache_write_holds_nothing_back(
    qtbot: QtBot,
    console: AdminConsole,
    admin_world: AdminWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = results_page(console)
    summary_shown: list[str] = []
    page.summary_shown.connect(summary_shown.append)
    prepared_after_summary: list[bool] = []
    prepare_rows = results_page_module.prepare_rows

    def recording_prepare(attempts: Sequence[AttemptRow]) -> list[PreparedRow]:
        prepared_after_summary.append(bool(summary_shown))
        return prepare_rows(attempts)

    monkeypatch.setattr(results_page_module, "prepare_rows", recording_prepare)
    source = console.context.source
    keep = source.keep
    release = threading.Event()

    def held_keep(delivery_id: str, fetched: FetchedResults) -> None:
        release.wait(WAIT / 1000)  # the disk as slow as the test wants
        keep(delivery_id, fetched)

    monkeypatch.setattr(source, "keep", held_keep)
    try:
        with qtbot.waitSignal(page.results_shown, timeout=WAIT):
            console.open_delivery(admin_world.delivery_id)
        assert prepared_after_summary == [False]
        assert page.model.rowCount() == len(admin_world.results_json()["attempts"])
        assert source.cache.load_results(admin_world.delivery_id) is None  # still held
    finally:
        release.set()
    wait_for_all()
    kept = source.cache.load_results(admin_world.delivery_id)
    assert kept is not None and page.snapshot is not None
    assert kept.fetched_at == page.snapshot.fetched_at
