"""Receipt verification against the live server: a real code typed carelessly (lower
case, spaces, no dash) shows what the server holds and opens the attempt; an unknown
code says "No attempt has this receipt code"; a code of the wrong length is refused in
words before any request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.receipts_page import normalise_code
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.admin_fixtures import AdminWorld
from tests.desktop.admin_review_support import (
    WAIT,
    attempt_page,
    make_console,
    receipts_page,
    tab_chain,
)


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    yield made
    wait_for_all()


def receipt_of(world: AdminWorld, attempt_id: str) -> str:
    """The code the server issued for the attempt (its push answer said so)."""
    code = world.receipts.get(attempt_id)
    assert code, "the fixture keeps the receipt codes the pushes returned"
    return code


def test_a_real_code_typed_carelessly_shows_what_the_server_holds(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    attempt_id = admin_world.finished[3]
    code = receipt_of(admin_world, attempt_id)
    page = receipts_page(console)
    qtbot.keyClick(console, Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    assert console.current_key == "receipts"
    assert QApplication.focusWidget() is page.code_edit
    typed = " " + code.replace("-", "").lower()[:4] + " " + code.replace("-", "").lower()[4:]
    qtbot.keyClicks(page.code_edit, typed)
    with qtbot.waitSignal(page.checked, timeout=WAIT) as checked:
        qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    assert checked.args[0] is not None
    server = admin_world.admin.get(f"/receipts/{code}").json()
    assert page.code_edit.text() == code
    assert page.values["attempt"].text() == server["attempt_id"] == attempt_id
    taker = server["taker"]
    assert page.values["candidate"].text() == (
        f"{taker['full_name']} ({taker['candidate_number']})"
    )
    assert page.values["delivery"].text() == server["delivery"]["title"]
    assert page.values["records"].text() == str(server["record_count"])
    assert page.values["digest"].text() == server["digest"]
    assert page.values["integrity"].text() == "Complete"
    assert "holds this receipt" in page.message_label.text()
    # Ctrl+O (the "Open attempt" button) opens the attempt's drill-down.
    shown = attempt_page(console)
    with qtbot.waitSignal(shown.review_shown, timeout=WAIT):
        qtbot.keyClick(page.code_edit, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    assert console.current_key == "attempt" and shown.attempt_id == attempt_id


def test_an_unknown_code_says_no_attempt_has_it(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = receipts_page(console)
    console.show_page("receipts")
    real = receipt_of(admin_world, admin_world.finished[4])
    unknown = "AAAA-AAAA" if real != "AAAA-AAAA" else "BBBB-BBBB"
    qtbot.keyClicks(page.code_edit, unknown.lower())
    with qtbot.waitSignal(page.checked, timeout=WAIT) as checked:
        qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    assert checked.args == [None]
    assert page.message_label.text() == f"No attempt has this receipt code ({unknown})."
    assert not page.open_button.isEnabled()
    assert page.values["attempt"].text() == "—"


def test_a_code_of_the_wrong_length_is_refused_before_any_request(
    qtbot: QtBot, console: AdminConsole
) -> None:
    page = receipts_page(console)
    qtbot.keyClicks(page.code_edit, "K7F3-9QX")
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    assert not page.busy
    assert "A receipt code has 8 letters and digits" in page.message_label.text()


@pytest.mark.parametrize(
    ("typed", "code"),
    [("k7f3-9qx2", "K7F3-9QX2"), (" K7F3 9QX2 ", "K7F3-9QX2"), ("k7f39qx2", "K7F3-9QX2"),
     ("K7-F3-9Q-X2", "K7F3-9QX2"), ("K7F", "K7F")],
)  # fmt: skip
def test_codes_are_read_forgivingly(typed: str, code: str) -> None:
    assert normalise_code(typed) == code


def test_every_control_of_the_receipts_page_is_reached_by_tab(
    qtbot: QtBot, console: AdminConsole
) -> None:
    page = receipts_page(console)
    console.show_page("receipts")
    page.open_button.setEnabled(True)  # as after a verified code
    visited = tab_chain(qtbot, page.code_edit)
    assert all(w in visited for w in (page.code_edit, page.verify_button, page.open_button))
