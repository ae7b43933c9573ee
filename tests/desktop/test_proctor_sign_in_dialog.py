"""The sign-in dialog at a shared workstation: the last user name is offered but the
cursor is in it, selected, so the next proctor types their own name over it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.proctor.sign_in_dialog import DIALOG_MIN_WIDTH_PX, SignInDialog
from tests.desktop.proctor_fixtures import store  # noqa: F401

OFFLINE = "http://127.0.0.1:9"


def test_the_remembered_user_name_is_selected_for_typing_over(
    qtbot: QtBot,
    store: Store,  # noqa: F811
) -> None:
    session = ProctorSession(ApiClient(OFFLINE), CredentialStore(OFFLINE))
    dialog = SignInDialog(session, pins=store.proctors, username="pat")
    qtbot.addWidget(dialog)
    dialog.open()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: dialog.focusWidget() is dialog.username_edit, timeout=5_000)
    assert dialog.username_edit.selectedText() == "pat"
    qtbot.keyClicks(dialog.username_edit, "kim")  # another proctor: their own name
    assert dialog.username_edit.text() == "kim"
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.password_edit
    assert dialog.width() >= DIALOG_MIN_WIDTH_PX
    intro = dialog.intro_label
    assert intro.wordWrap() and intro.height() >= intro.heightForWidth(intro.width())
    dialog.reject()
