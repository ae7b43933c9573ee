"""The admin console against the real server on loopback (201 finished attempts).

Sign-in routing, the deliveries list with sync completeness, the results page (summary
equal to the server's JSON, histogram with the pass mark, sort and filter of the
attempts table), and offline: the kept results shown as stale, never an error box.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from medxam_desktop.app import Workstation
from medxam_desktop.config import load_config
from medxam_desktop.domain.results import ScoreSummary
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.ui.admin.attempts_model import AttemptColumn, AttemptIdRole
from medxam_desktop.ui.admin.build import build_console
from medxam_desktop.ui.admin.connection import ServerState
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.deliveries_page import AdminDeliveriesPage
from medxam_desktop.ui.admin.results_page import ResultsPage
from medxam_desktop.ui.admin.summary_panel import summary_texts
from medxam_desktop.ui.tasks import wait_for_all
from tests.contract.live_server import PASSWORD
from tests.desktop.admin_fixtures import AdminWorld

WAIT = 20_000
DEAD_URL = "http://127.0.0.1:9"  # nothing listens on the discard port


def make_console(qtbot: QtBot, url: str, data_dir: Path) -> AdminConsole:
    client = ApiClient(url)
    if url != DEAD_URL:
        _token, user = client.login("admin", PASSWORD)
    else:
        from medxam_desktop.sync.api_client import SignedInUser

        user = SignedInUser(id="x", username="admin", full_name="Ada Admin", role="admin")
    console = build_console(AdminContext.make(client, user, data_dir))
    qtbot.addWidget(console)
    console.resize(1200, 800)
    console.show()
    return console


def results_page(console: AdminConsole) -> ResultsPage:
    page = console.page("results")
    assert isinstance(page, ResultsPage)
    return page


def deliveries_page(console: AdminConsole) -> AdminDeliveriesPage:
    page = console.page("deliveries")
    assert isinstance(page, AdminDeliveriesPage)
    return page


def no_error_boxes() -> bool:
    return not [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox | QDialog) and w.isVisible()
    ]


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    yield made
    wait_for_all()


def open_results(qtbot: QtBot, console: AdminConsole, delivery_id: str) -> ResultsPage:
    page = results_page(console)
    with qtbot.waitSignal(page.results_shown, timeout=WAIT):
        console.open_delivery(delivery_id)
    return page


# --- sign-in routing --------------------------------------------------------------------


@pytest.fixture
def workstation(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[Workstation]:
    config = load_config(server_url=admin_world.url, data_dir=tmp_path / "desktop")
    config.data_dir.mkdir(parents=True)
    composed = Workstation(config)
    qtbot.addWidget(composed.window)
    composed.start()
    qtbot.waitUntil(lambda: composed.flow is not None, timeout=WAIT)
    yield composed
    # The sign-ins start syncs: let them finish and call back while the window lives.
    wait_for_all()
    qtbot.wait(50)
    composed.close()


def test_an_admin_who_signs_in_gets_the_console_and_a_proctor_does_not(
    qtbot: QtBot, workstation: Workstation, admin_world: AdminWorld
) -> None:
    flow = workstation.flow
    assert flow is not None
    import sys

    assert "PySide6.QtCharts" not in sys.modules or workstation.window.admin_console is None
    done: list[object] = []
    flow.session.sign_in("pat", PASSWORD, on_done=done.append, on_error=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT)
    assert workstation.window.admin_console is None
    assert workstation.window.pages.currentWidget() is flow

    flow.session.sign_out()
    done.clear()
    flow.session.sign_in("admin", PASSWORD, on_done=done.append, on_error=done.append)
    qtbot.waitUntil(lambda: workstation.window.admin_console is not None, timeout=WAIT)
    console = workstation.window.admin_console
    assert isinstance(console, AdminConsole)
    assert workstation.window.pages.currentWidget() is console
    assert console.current_key == "deliveries"
    assert console.user_label.text() == "Signed in as Ada Admin (admin)"
    assert flow.pin_dialog is None  # an admin is not asked to set a proctor PIN

    qtbot.mouseClick(console.sign_out_button, Qt.MouseButton.LeftButton)
    assert workstation.window.admin_console is None
    assert workstation.window.pages.currentWidget() is flow


# --- deliveries -------------------------------------------------------------------------


def test_the_deliveries_list_shows_sync_completeness_per_delivery_and_workstation(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = deliveries_page(console)
    qtbot.waitUntil(lambda: page.loaded_once and not page.busy, timeout=WAIT)
    titles = [d.title for d in page.model.rows]
    assert admin_world.delivery["title"] in titles and admin_world.empty_delivery["title"] in titles
    row = page.model.row_of(admin_world.delivery_id)
    assert row is not None
    listed = page.model.rows[row]
    status = admin_world.admin.get(f"/deliveries/{admin_world.delivery_id}/sync-status")
    if status.status_code == 404:
        pytest.skip("the server has no sync-status endpoint yet (H6)")
    body = status.json()
    assert listed.sync is not None
    assert (listed.sync.attempts, listed.sync.complete, listed.sync.incomplete) == (
        body["attempts"],
        body["complete"],
        body["incomplete"],
    )
    assert listed.sync.incomplete == 1
    texts = [page.model.index(row, c).data() for c in range(page.model.columnCount())]
    assert texts[2:6] == [str(body[k]) for k in ("attempts", "complete", "incomplete", "pending")]

    page.table.selectRow(row)
    shown = {page.workstations.rows[i].workstation_id for i in range(len(page.workstations.rows))}
    assert set(admin_world.workstations) <= shown
    assert "1 incomplete" in page.detail_label.text()

    # Enter on the selected delivery opens its results.
    page.table.setFocus()
    with qtbot.waitSignal(results_page(console).results_shown, timeout=WAIT):
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert console.current_key == "results"


def test_older_deliveries_get_their_sync_state_when_chosen(
    qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from medxam_desktop.ui.admin import deliveries_page as module

    monkeypatch.setattr(module, "SYNC_STATUS_LIMIT", 0)  # as if both were old
    console = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    page = deliveries_page(console)
    qtbot.waitUntil(lambda: page.loaded_once and not page.busy, timeout=WAIT)
    row = page.model.row_of(admin_world.delivery_id)
    assert row is not None
    assert row == 1  # the resit opens a minute later: listed, and selected, first
    assert page.model.rows[row].sync is None
    assert page.model.index(row, 6).data() == "Not known"
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.model.rows[row].sync is not None, timeout=WAIT)
    assert page.model.rows[row].sync.incomplete == 1  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: "1 incomplete" in page.detail_label.text(), timeout=WAIT)
    wait_for_all()


# --- results ----------------------------------------------------------------------------


def test_the_summary_shows_the_servers_values(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = results_page(console)
    with qtbot.waitSignal(page.summary_shown, timeout=WAIT) as shown:
        console.open_delivery(admin_world.delivery_id)
    assert shown.args == [admin_world.delivery_id]
    server = admin_world.results_json()
    expected = summary_texts(ScoreSummary.from_json(server["summary"]))
    assert {key: page.summary.text(key) for key in expected} == expected
    assert page.summary.text("n") == "201"
    assert page.summary.text("mean") == f"{server['summary']['mean']:.2f}"
    low, high = server["summary"]["kr20_ci95"]
    assert page.summary.text("kr20") == (
        f"{server['summary']['kr20']:.2f} ({low:.2f} to {high:.2f})"
    )
    assert page.snapshot is not None and not page.snapshot.stale
    assert page.snapshot.results.summary.mean == server["summary"]["mean"]  # exact Decimal


def test_the_histogram_has_the_servers_bins_and_the_pass_mark(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = open_results(qtbot, console, admin_world.delivery_id)
    server = admin_world.results_json()["summary"]
    chart = page.histogram
    assert chart.accessibleName() == "Score histogram"
    assert "pass mark 6" in chart.accessibleDescription()
    assert chart.bar_sets is not None
    below, above = chart.bar_sets
    counts = [int(below.at(i) + above.at(i)) for i in range(below.count())]
    assert counts == [b["count"] for b in server["histogram"]]
    assert int(sum(above.at(i) for i in range(above.count()))) == server["pass_count"]
    assert chart.pass_line is not None
    points = chart.pass_line.points()
    # The pass mark (6) lies in the bin [4.933333, 6.166667), index 4: x = 3.5 + fraction.
    bins = server["histogram"]
    fraction = (Decimal(6) - bins[4]["from"]) / (bins[4]["to"] - bins[4]["from"])
    assert points[0].x() == pytest.approx(3.5 + float(fraction))
    assert points[0].x() == points[1].x()


def test_the_attempts_table_sorts_and_filters(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = open_results(qtbot, console, admin_world.delivery_id)
    table, proxy = page.table, page.proxy
    assert proxy.rowCount() == 206
    assert page.count_label.text() == "206 attempts"

    table.sortByColumn(AttemptColumn.TOTAL, Qt.SortOrder.DescendingOrder)
    server = admin_world.results_json()["attempts"]
    best = max(a["total"] for a in server if a["total"] is not None)
    assert proxy.index(0, AttemptColumn.TOTAL).data() == f"{best.normalize():f}"
    totals = [proxy.index(r, AttemptColumn.TOTAL).data() for r in range(proxy.rowCount())]
    numbers = [Decimal(t) for t in totals if t != "—"]
    assert numbers == sorted(numbers, reverse=True)
    assert totals[-3:] == ["—"] * 3  # the attempts in progress have none
    # Each attempt's receipt code is the one its push returned (issue 12); none without.
    receipts = {
        proxy.index(r, 0).data(AttemptIdRole): proxy.index(r, AttemptColumn.RECEIPT).data()
        for r in range(proxy.rowCount())
    }
    assert receipts == {
        a["attempt_id"]: admin_world.receipts.get(a["attempt_id"], "—") for a in server
    }
    assert len(admin_world.receipts) == len(admin_world.finished)

    qtbot.keyClicks(page.filter_edit, "rosalind")
    qtbot.waitUntil(lambda: proxy.rowCount() == 1, timeout=WAIT)
    assert proxy.index(0, AttemptColumn.NAME).data() == "Rosalind Franklin"
    assert page.count_label.text() == "1 of 206 attempts"
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "in progress")
    qtbot.waitUntil(lambda: proxy.rowCount() == 3, timeout=WAIT)
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "records missing")  # the incomplete attempt
    qtbot.waitUntil(lambda: proxy.rowCount() == 1, timeout=WAIT)
    assert proxy.index(0, 0).data(AttemptIdRole) == admin_world.incomplete[0]

    # Enter on a row opens the attempt.
    table.selectRow(0)
    table.setFocus()
    with qtbot.waitSignal(console.attempt_opened, timeout=WAIT) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args == [admin_world.incomplete[0]]
    assert console.current_key == "attempt" and console.attempt_id == admin_world.incomplete[0]


# --- keyboard ---------------------------------------------------------------------------


def test_every_page_is_reachable_by_keyboard(qtbot: QtBot, console: AdminConsole) -> None:
    for digit, key in enumerate(("deliveries", "results", "items", "attempt", "receipts"), 1):
        qtbot.keyClick(console, Qt.Key(Qt.Key.Key_0 + digit), Qt.KeyboardModifier.ControlModifier)
        assert console.current_key == key
    qtbot.keyClick(console, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert console.current_key == "attempt"
    qtbot.keyClick(console, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert console.nav.hasFocus() or QApplication.focusWidget() is console.nav
    named = [console.nav, console.pages, console.refresh_button, console.state_label]
    assert all(widget.accessibleName() for widget in named)


def test_every_control_has_an_accessible_name(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    open_results(qtbot, console, admin_world.delivery_id)
    unnamed = [
        f"{type(w).__name__} {w.objectName()!r} in {type(w.parentWidget()).__name__}"
        for w in console.findChildren(QWidget)
        if w.focusPolicy() != Qt.FocusPolicy.NoFocus and not w.accessibleName()
    ]
    assert unnamed == []
    chart = results_page(console).histogram
    assert chart.viewport().accessibleName() == "Score histogram"


# --- offline ----------------------------------------------------------------------------


def test_offline_the_kept_results_are_shown_as_stale_with_their_time(
    qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path
) -> None:
    data_dir = tmp_path / "desktop"
    online = make_console(qtbot, admin_world.url, data_dir)
    open_results(qtbot, online, admin_world.delivery_id)
    fresh = results_page(online).snapshot
    assert fresh is not None and not fresh.stale
    qtbot.waitUntil(lambda: deliveries_page(online).loaded_once, timeout=WAIT)
    wait_for_all()

    offline = make_console(qtbot, DEAD_URL, data_dir)  # same data directory, no server
    page = results_page(offline)
    with qtbot.waitSignal(page.summary_shown, timeout=WAIT):
        offline.open_delivery(admin_world.delivery_id)
    assert page.snapshot is not None and page.snapshot.stale
    assert page.snapshot.fetched_at == fresh.fetched_at
    when = fresh.fetched_at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert page.message_label.text() == (
        f"Showing results from {when} — the server cannot be reached."
    )
    assert page.summary.text("n") == "201"
    qtbot.waitUntil(lambda: offline.context.calls.state is ServerState.OFFLINE, timeout=WAIT)
    assert offline.state_label.text() == "Offline"
    # Refreshing again and again while offline: still no error box, one plain line.
    for _ in range(3):
        qtbot.keyClick(offline, Qt.Key.Key_F5)
    wait_for_all()
    qtbot.wait(50)
    assert no_error_boxes()
    deliveries = deliveries_page(offline)
    qtbot.waitUntil(lambda: deliveries.loaded_once, timeout=WAIT)
    assert "the server cannot be reached" in deliveries.message_label.text()


def test_offline_with_nothing_kept_says_so_once(qtbot: QtBot, tmp_path: Path) -> None:
    console = make_console(qtbot, DEAD_URL, tmp_path / "empty")
    page = results_page(console)
    console.open_delivery("5b0f0bb2-33c1-4a4e-9a68-6f3b8e7c2f10")
    qtbot.waitUntil(
        lambda: "no results of this delivery" in page.message_label.text(), timeout=WAIT
    )
    assert console.context.calls.state is ServerState.OFFLINE
    assert no_error_boxes()
