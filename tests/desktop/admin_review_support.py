"""Helpers of the review pages' tests (items, attempt, receipts, export): a console
signed in to the live server of ``admin_fixtures.py``, with the review pages plugged in."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.ui.admin.attempt_page import AttemptPage
from medxam_desktop.ui.admin.build import build_console
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.items_page import ItemsPage
from medxam_desktop.ui.admin.receipts_page import ReceiptsPage
from medxam_desktop.ui.admin.review_pages import add_review_pages
from tests.contract.live_server import PASSWORD

WAIT = 20_000
P = TypeVar("P", bound=QWidget)


def make_console(
    qtbot: QtBot, url: str, data_dir: Path, *, username: str = "admin"
) -> AdminConsole:
    client = ApiClient(url)
    _token, user = client.login(username, PASSWORD)
    console = build_console(AdminContext.make(client, user, data_dir))
    if not isinstance(console.page("items"), ItemsPage):  # build.py without the review pages
        add_review_pages(console)
    qtbot.addWidget(console)
    console.resize(1280, 860)
    console.show()
    return console


def page(console: AdminConsole, key: str, kind: type[P]) -> P:
    found = console.page(key)
    assert isinstance(found, kind), type(found)
    return found


def items_page(console: AdminConsole) -> ItemsPage:
    return page(console, "items", ItemsPage)


def attempt_page(console: AdminConsole) -> AttemptPage:
    return page(console, "attempt", AttemptPage)


def receipts_page(console: AdminConsole) -> ReceiptsPage:
    return page(console, "receipts", ReceiptsPage)


def open_results(qtbot: QtBot, console: AdminConsole, delivery_id: str) -> None:
    with qtbot.waitSignal(console.results_loaded, timeout=WAIT):
        console.open_delivery(delivery_id)


def open_attempt(qtbot: QtBot, console: AdminConsole, attempt_id: str) -> AttemptPage:
    shown = attempt_page(console)
    with qtbot.waitSignal(shown.review_shown, timeout=WAIT):
        console.open_attempt(attempt_id)
    return shown


def tab_chain(qtbot: QtBot, start: QWidget, presses: int = 40) -> list[QWidget]:
    """The widgets the focus visits from ``start`` pressing Tab ``presses`` times."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    start.setFocus()
    visited: list[QWidget] = []
    for _ in range(presses):
        current = QApplication.focusWidget()
        assert current is not None
        visited.append(current)
        qtbot.keyClick(current, Qt.Key.Key_Tab)
    return visited
