"""The item analysis page against the live server (201 finished attempts, 12 items).

The table holds the server's values (exam order, p, upper/lower p, D, point-biserial,
corrected, flags in words and colour), sorts numerically, and the chosen item's bar
charts equal its per-option counts and group proportions, with the key marked.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.results_text import flag_words, format_ratio
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.items_model import ItemColumn, ItemRole, SortKeyRole
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.admin_fixtures import AdminWorld
from tests.desktop.admin_review_support import items_page, make_console, open_results, tab_chain

SHORT = {
    "possible_miskey": "Possible miskey",
    "too_hard": "Too hard",
    "too_easy": "Too easy",
    "low_discrimination": "Low discrimination",
}
RATIOS = {
    ItemColumn.P: "p",
    ItemColumn.UPPER_P: "upper_p",
    ItemColumn.LOWER_P: "lower_p",
    ItemColumn.D: "discrimination",
    ItemColumn.R: "point_biserial",
    ItemColumn.R_CORRECTED: "point_biserial_corrected",
}


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    open_results(qtbot, made, admin_world.delivery_id)
    made.show_page("items")  # drawn when shown
    yield made
    wait_for_all()


def _ratio(value: Any) -> float | None:
    return None if value is None else float(value)


def test_the_item_table_holds_the_servers_statistics_in_exam_order(
    console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = items_page(console)
    server = admin_world.results_json()["items"]
    proxy = page.proxy
    assert proxy.rowCount() == len(server) == 12
    assert console.snapshot is not None
    assert page.model.items is console.snapshot.results.items  # the console's, no new request
    for row, item in enumerate(server):

        def cell(column: int, row: int = row) -> QModelIndex:
            return proxy.index(row, column)

        assert cell(ItemColumn.POSITION).data() == str(item["position"]) == str(row + 1)
        assert cell(ItemColumn.KEY).data() == ", ".join(item["key"])
        assert cell(ItemColumn.OMITTED).data() == str(item["omitted"])
        for column, field in RATIOS.items():
            value = _ratio(item[field])
            assert cell(column).data() == format_ratio(value), (row, field)
            if value is not None:
                assert cell(column).data(SortKeyRole) == value  # the exact server number
        ordered = sorted(item["flags"], key=list(SHORT).index)  # the most serious first
        short = "; ".join(SHORT[f] for f in ordered) or "No flags"
        assert cell(ItemColumn.FLAGS).data() == short
        words = flag_words(tuple(item["flags"])) if item["flags"] else "No flags"
        assert words in cell(ItemColumn.POSITION).data(Qt.ItemDataRole.AccessibleTextRole)
        assert words in cell(ItemColumn.FLAGS).data(Qt.ItemDataRole.ToolTipRole)


def test_flags_are_shown_in_words_and_colour(
    console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = items_page(console)
    server = admin_world.results_json()["items"]
    miskeyed = [i["position"] for i in server if "possible_miskey" in i["flags"]]
    easy = [i["position"] for i in server if "too_easy" in i["flags"]]
    hard = [i["position"] for i in server if "too_hard" in i["flags"]]
    assert 7 in miskeyed and 5 in easy and 6 in hard  # as the fixture made them
    for position, words in ((7, "Possible miskey"), (5, "Too easy"), (6, "Too hard")):
        index = page.proxy.index(position - 1, ItemColumn.FLAGS)
        assert words in index.data()
        assert index.data(Qt.ItemDataRole.BackgroundRole) is not None  # colour, with the words
        assert words in index.data(Qt.ItemDataRole.ToolTipRole)
    plain = next(i["position"] for i in server if not i["flags"])
    unflagged = page.proxy.index(plain - 1, ItemColumn.FLAGS)
    assert unflagged.data() == "No flags"
    assert unflagged.data(Qt.ItemDataRole.BackgroundRole) is None


def test_sorting_by_a_statistic_sorts_numerically(
    console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = items_page(console)
    page.table.sortByColumn(ItemColumn.P, Qt.SortOrder.DescendingOrder)
    shown = [page.proxy.index(r, 0).data(ItemRole).p for r in range(page.proxy.rowCount())]
    server = sorted((float(i["p"]) for i in admin_world.results_json()["items"]), reverse=True)
    assert shown == server
    page.table.sortByColumn(ItemColumn.POSITION, Qt.SortOrder.AscendingOrder)
    assert page.proxy.index(0, ItemColumn.POSITION).data() == "1"


def test_the_distractor_chart_shows_the_selected_items_option_counts(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = items_page(console)
    server = {i["position"]: i for i in admin_world.results_json()["items"]}
    for position in (7, 11, 1):
        page.select_row(position - 1)
        item = server[position]
        assert page.chart.counts() == [o["count"] for o in item["options"]]
        labels = [o["label"] + (" (key)" if o["is_key"] else "") for o in item["options"]]
        assert page.chart.categories == labels
        key_set, other = page.chart.key_set, page.chart.distractor_set
        assert key_set is not None and other is not None
        keyed = [i for i in range(key_set.count()) if key_set.at(i) > 0]
        assert [item["options"][i]["label"] for i in keyed] == [
            o["label"] for o in item["options"] if o["is_key"] and o["count"]
        ]
        assert key_set.color() != other.color()  # the key in another colour, and in words
        description = page.chart.accessibleDescription()
        assert f"question {position}" in description and "(key)" in description
        upper, lower = page.groups.upper_set, page.groups.lower_set
        assert upper is not None and lower is not None
        for i, option in enumerate(item["options"]):
            assert upper.at(i) == pytest.approx(100 * float(option["upper_proportion"]))
            assert lower.at(i) == pytest.approx(100 * float(option["lower_proportion"]))
    # Multiple response (question 11): both keys marked, each option counted on its own.
    page.select_row(10)
    assert [c for c in page.chart.categories if c.endswith("(key)")] == ["A (key)", "C (key)"]


def test_the_items_page_is_reachable_and_usable_by_keyboard(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = items_page(console)
    qtbot.keyClick(console, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert console.current_key == "items"
    assert QApplication.focusWidget() is page.table
    page.select_row(0)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    qtbot.keyClick(page.table, Qt.Key.Key_Down)
    selected = page.selected_item()
    assert selected is not None and selected.position == 3
    server = admin_world.results_json()["items"][2]
    assert page.chart.counts() == [o["count"] for o in server["options"]]
    assert "Question 3" in page.detail_label.text()
    for widget in (page.table, page.chart, page.groups, page.export_button):
        assert widget.accessibleName()
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus


def test_every_control_of_the_items_page_is_reached_by_tab(
    qtbot: QtBot, console: AdminConsole
) -> None:
    page = items_page(console)
    console.show_page("items")
    visited = tab_chain(qtbot, page.table)
    assert all(w in visited for w in (page.table, page.chart, page.groups, page.export_button))
    assert all(a is not b for a, b in itertools.pairwise(visited))


def test_f5_on_the_items_page_fetches_the_results_again(
    qtbot: QtBot, console: AdminConsole
) -> None:
    page = items_page(console)
    before = console.snapshot
    assert before is not None
    with qtbot.waitSignal(console.results_loaded, timeout=20_000):
        qtbot.keyClick(page.table, Qt.Key.Key_F5)
    assert console.snapshot is not None and console.snapshot is not before
    assert page.snapshot is console.snapshot and page.model.items is console.snapshot.results.items
    assert "Results as of" in page.message_label.text()
