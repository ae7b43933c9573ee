"""Make docs/admin_*.png: each page of the admin results console, offscreen.

``python -m bench.admin_screenshots [DIR]`` (not a benchmark: no ``b<N>_`` prefix).
Starts the real server on loopback with an SQLite file in a temporary directory, fills
it through the API as the console tests do (``tests/desktop/admin_fixtures.build_world``:
a delivery of 201 finished attempts synced by two workstations, pauses, an extension,
an incident, one incomplete attempt), changes one score by hand, and grabs the
Deliveries, Results, Items, Attempt and Receipts pages and the score dialog.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication, QWidget

from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.ui.admin.attempt_page import AttemptPage
from medxam_desktop.ui.admin.build import build_console
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.deliveries_page import AdminDeliveriesPage
from medxam_desktop.ui.admin.items_page import ItemsPage
from medxam_desktop.ui.admin.receipts_page import ReceiptsPage
from medxam_desktop.ui.tasks import wait_for_all
from medxam_server.config import Settings
from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from tests.contract.live_server import PASSWORD, serving
from tests.desktop.admin_fixtures import AdminWorld, build_world

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("bench.admin_screenshots")
SIZE = (1360, 900)


def settle(app: QApplication, until: Callable[[], bool], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("the console did not get there in time")
        app.processEvents()
        time.sleep(0.01)
    for _ in range(10):  # let layouts and charts paint
        app.processEvents()
        time.sleep(0.01)


def grab(widget: QWidget, target: Path) -> None:
    widget.grab().save(str(target))
    print(f"saved {target}")


def world_data(world: AdminWorld) -> str:
    """One hand-changed score on an attempt with a pause and an incident: its id."""
    chosen = world.with_events[0]
    current = world.admin.get(f"/attempts/{chosen}").json()
    answer = world.admin.put(
        f"/attempts/{chosen}/score",
        json={"score": current["score"] + 1, "reason": "question 7 was miskeyed: B and C"},
    )
    answer.raise_for_status()
    return chosen


def shoot(app: QApplication, world: AdminWorld, data_dir: Path, out: Path) -> None:
    changed = world_data(world)
    client = ApiClient(world.url)
    _token, user = client.login("admin", PASSWORD)
    console = build_console(AdminContext.make(client, user, data_dir))
    console.resize(*SIZE)
    console.show()
    deliveries = console.page("deliveries")
    assert isinstance(deliveries, AdminDeliveriesPage)
    settle(app, lambda: deliveries.loaded_once and not deliveries.busy)
    row = deliveries.model.row_of(world.delivery_id)
    deliveries.table.selectRow(row if row is not None else 0)
    settle(app, lambda: True)
    grab(console, out / "admin_deliveries.png")

    loaded: list[object] = []
    console.results_loaded.connect(loaded.append)
    console.open_delivery(world.delivery_id)
    settle(app, lambda: bool(loaded))
    grab(console, out / "admin_results.png")

    items = console.page("items")
    assert isinstance(items, ItemsPage)
    console.show_page("items")
    items.select_row(6)  # question 7: the possible miskey
    settle(app, lambda: items.selected_item() is not None)
    grab(console, out / "admin_items.png")

    attempt = console.page("attempt")
    assert isinstance(attempt, AttemptPage)
    shown: list[object] = []
    attempt.review_shown.connect(shown.append)
    console.open_attempt(changed)
    settle(app, lambda: bool(shown))
    grab(console, out / "admin_attempt.png")
    attempt.change_score()
    dialog = attempt.score_dialog
    assert dialog is not None
    dialog.penalty_edit.setText("0.5")
    dialog.reason_edit.setPlainText(
        "Candidate's answer to question 3 was entered for 4 (proctor's note)"
    )
    settle(app, lambda: dialog.isVisible())
    grab(dialog, out / "admin_score_override.png")
    dialog.reject()

    receipts = console.page("receipts")
    assert isinstance(receipts, ReceiptsPage)
    console.show_page("receipts")
    code = world.receipts[world.with_events[1]]
    receipts.code_edit.setText(code.replace("-", " ").lower())
    checked: list[object] = []
    receipts.checked.connect(checked.append)
    receipts.verify()
    settle(app, lambda: bool(checked))
    grab(console, out / "admin_receipts.png")
    wait_for_all()
    console.close()
    client.close()


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "server.sqlite3"
        engine = make_engine(f"sqlite:///{database}")
        upgrade(engine)
        engine.dispose()
        settings = Settings(
            database_url=f"sqlite:///{database}",
            data_dir=Path(tmp) / "server",
            secret_key="screenshots-" + "x" * 32,
        )
        with serving(settings) as url:
            world = build_world(url, settings.database_url)
            try:
                shoot(app, world, Path(tmp) / "desktop", out)
            finally:
                world.admin.close()


if __name__ == "__main__":
    main()
