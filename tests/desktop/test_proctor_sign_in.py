"""Signing in and downloading a package through the real widgets, against a real server."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.store import Store
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.widgets import KEYRING_WORDS
from medxam_server.config import Settings
from tests.conftest import InMemoryKeyring
from tests.contract.live_server import PASSWORD, serving_delivery
from tests.desktop.package_server import Handler, package_server
from tests.desktop.proctor_fixtures import make_flow, state_texts, store  # noqa: F401

Setup = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def live(live_settings: Settings) -> Iterator[tuple[str, Setup]]:
    """The real server on SQLite with a proctor "pat", an exam and a delivery of 3.

    Shared by this module's tests: none of them changes what the server holds.
    """
    with serving_delivery(live_settings, taker_count=3, question_count=30) as made:
        yield made  # type: ignore[misc]


def _sign_in(qtbot: QtBot, flow: ProctorFlow, password: str) -> None:
    dialog = flow.sign_in_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_sign_in_download_with_progress_and_go_on(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    live: tuple[str, Setup],
    memory_keyring: InMemoryKeyring,
) -> None:
    url, setup = live
    flow = make_flow(qtbot, store, url)
    page = flow.deliveries_page
    assert not page.download_button.isEnabled() and "Not signed in" in page.account_label.text()

    qtbot.mouseClick(page.account_button, Qt.MouseButton.LeftButton)
    dialog = flow.sign_in_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.username_edit.hasFocus, timeout=5_000)
    qtbot.keyClicks(dialog.username_edit, "pat")
    _sign_in(qtbot, flow, "wrong password")
    qtbot.waitUntil(lambda: "not right" in dialog.message_label.text(), timeout=10_000)
    assert dialog.isVisible() and dialog.password_edit.hasFocus()
    _sign_in(qtbot, flow, PASSWORD)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert "Pat Proctor" in page.account_label.text()
    assert PASSWORD not in memory_keyring.items.values()
    # No PIN here yet: one is asked for (test_proctor_pin.py); "Not now" goes on without.
    qtbot.waitUntil(lambda: flow.pin_dialog is not None and flow.pin_dialog.isVisible())
    assert flow.pin_dialog is not None
    qtbot.mouseClick(flow.pin_dialog.cancel_button, Qt.MouseButton.LeftButton)
    token = flow.session.client.token
    assert token and list(memory_keyring.items.values()) == [token]

    qtbot.waitUntil(lambda: state_texts(flow) == ["Not downloaded"], timeout=10_000)
    assert page.download_button.isEnabled()
    seen: list[tuple[int, int]] = []
    flow.downloader.progressed.connect(lambda _id, got, total: seen.append((got, total)))
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter on a package not here: download it
    qtbot.waitUntil(lambda: state_texts(flow) == ["Ready"], timeout=20_000)
    assert seen and seen[-1][0] == seen[-1][1] > 0
    assert not page.progress_bar.isVisibleTo(page)
    assert "3 candidates" in page.message_label.text()
    assert page.continue_button.hasFocus()
    assert store.packages.list()[0].delivery_id == setup["delivery"]["id"]

    qtbot.keyClick(page.continue_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    assert flow.roster_page.count_label.text() == "3 of 3 candidates"

    # A second run of the program finds the kept sign-in; signing out forgets it.
    second = make_flow(qtbot, store, url)
    second_label = second.deliveries_page.account_label
    qtbot.waitUntil(lambda: "Pat Proctor" in second_label.text(), timeout=10_000)
    qtbot.mouseClick(second.deliveries_page.account_button, Qt.MouseButton.LeftButton)
    assert memory_keyring.items == {}
    assert "Not signed in" in second.deliveries_page.account_label.text()
    assert state_texts(second) == ["Ready"]  # the package stays usable offline


def test_an_expired_sign_in_asks_again(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    live: tuple[str, Setup],
) -> None:
    url, _setup = live
    keyring.set_password("medxam-desktop", f"token:{url}", "expired-or-revoked")
    flow = make_flow(qtbot, store, url)
    label = flow.deliveries_page.notice_label
    qtbot.waitUntil(lambda: "expired" in label.text(), timeout=10_000)
    assert keyring.get_password("medxam-desktop", f"token:{url}") is None
    assert flow.session.user is None


def test_without_a_keyring_the_sign_in_lasts_this_run(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    live: tuple[str, Setup],
) -> None:
    url, _setup = live
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        flow = make_flow(qtbot, store, url)
        flow.open_sign_in()
        assert flow.sign_in_dialog is not None
        qtbot.keyClicks(flow.sign_in_dialog.username_edit, "pat")
        _sign_in(qtbot, flow, PASSWORD)
        page = flow.deliveries_page
        qtbot.waitUntil(lambda: "Pat Proctor" in page.account_label.text(), timeout=10_000)
        assert page.notice_label.text() == KEYRING_WORDS  # one plain message, once
        assert "token" not in page.notice_label.text().casefold()
        assert page.notice_label.isVisibleTo(page)
        qtbot.waitUntil(lambda: state_texts(flow) == ["Not downloaded"], timeout=10_000)
    finally:
        keyring.set_keyring(previous)


def test_cancel_a_download_with_escape(
    qtbot: QtBot,
    store: Store,  # noqa: F811
) -> None:
    Handler.release.clear()
    with package_server() as url:
        flow = make_flow(qtbot, store, url)
        flow.session.client.token = "good"
        page = flow.deliveries_page
        flow.download("slow")
        qtbot.waitUntil(lambda: page.progress_bar.value() > 0, timeout=10_000)
        assert page.cancel_button.isVisibleTo(page) and not page.download_button.isEnabled()
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Escape)
        assert page.message_label.text() == "Download cancelled. Nothing was kept."
        assert not page.progress_bar.isVisibleTo(page)
        Handler.release.set()
        flow.download("d1")  # the next download runs at once
        qtbot.waitUntil(lambda: not flow.downloader.busy, timeout=10_000)
        assert "damaged" in page.message_label.text()  # d1 serves bytes, not a package
    assert store.packages.list() == []
