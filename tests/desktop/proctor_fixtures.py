"""Shared pieces of the proctor UI tests: a real Store, a session and the flow."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.tasks import wait_for_all


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "workstation.sqlite3")
    yield opened
    wait_for_all()
    opened.close()


def make_flow(qtbot: QtBot, store: Store, url: str, *, own: bool = True) -> ProctorFlow:
    """A started flow; ``own=False`` when a window that will own it is closed instead."""
    client = ApiClient(url)
    session = ProctorSession(client, CredentialStore(url))
    flow = ProctorFlow(store, session)
    if own:
        qtbot.addWidget(flow)
    flow.resize(900, 600)
    flow.show()
    flow.start()
    return flow


def state_texts(flow: ProctorFlow) -> list[str]:
    model = flow.deliveries_page.model
    return [model.index(row, 4).data() for row in range(model.rowCount())]
