"""The main window reports the server's state in its status bar, against a real server."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from medxam_desktop.errors import OfflineError
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.ui.main_window import MainWindow
from medxam_desktop.ui.tasks import run_in_background


def test_offline_is_a_status_not_an_error_box(qtbot: QtBot) -> None:
    window = MainWindow(server_url="http://127.0.0.1:1")
    qtbot.addWidget(window)
    window.show()
    client = ApiClient("http://127.0.0.1:1")
    run_in_background(
        client.health, on_done=lambda h: window.show_online(h.version), on_error=window.show_offline
    )
    qtbot.waitUntil(lambda: window.connection_label.text() == "Offline", timeout=10_000)
    assert "could not be reached" in window.connection_label.toolTip()
    client.close()


def test_every_control_has_a_name(qtbot: QtBot) -> None:
    window = MainWindow(server_url="http://example.invalid")
    qtbot.addWidget(window)
    for name in ("serverLabel", "connectionLabel", "titleLabel"):
        widget = window.findChild(type(window.connection_label), name)
        assert widget is not None, name
        assert widget.accessibleName()


def test_offline_error_words() -> None:
    assert "offline" in str(OfflineError()).lower()
