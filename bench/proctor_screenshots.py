"""Make docs/room_view.png and docs/exam_paused.png: the proctor's room view mid-sitting
(in progress, paused, extended, finished, an incident) and a candidate's paused screen.

``python -m bench.proctor_screenshots [FOLDER]`` (not a benchmark: no ``b<N>_`` prefix).
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from medxam_desktop.domain.content import parse_content
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.credentials import CredentialStore
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.session import ProctorSession
from medxam_desktop.ui.tasks import wait_for_all
from tests.desktop.package_builder import build_package, roster, sample_content

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = "http://127.0.0.1:9"


def _settle(seconds: int = 0) -> None:
    for _ in range(max(1, seconds * 10)):
        wait_for_all()
        QApplication.processEvents()


def _sitting(store: Store, clock: FakeClock) -> tuple[str, list[str], dict[str, Any]]:
    content = sample_content(12)
    content["exam"]["duration_minutes"] = 90
    built = build_package(content=content, takers=roster(9))
    info = store.packages.save(built.raw)
    questions = [q["id"] for q in content["questions"]]
    takers = [t["id"] for t in built.document["takers"]]  # type: ignore[index]
    attempts = []
    for index, taker in enumerate(takers[:7]):
        attempt = store.attempts.check_in(delivery_id=info.delivery_id, taker_id=taker, by="p")
        store.attempts.start(attempt.id, by="p")
        attempts.append(attempt.id)
        for q in questions[: 3 + index]:
            store.answers.save(attempt.id, question_id=q, answer=("B",), flagged=False)
            clock.advance(20_000)
            store.answers.heartbeat(attempt.id)
    store.attempts.extend(attempts[1], minutes=10, reason="fire alarm", by="p")
    store.attempts.incident(
        attempts[1], category="environment", note="fire alarm, 10 min outside", by="p"
    )
    store.attempts.incident(attempts[3], category="technical", note="mouse replaced", by="p")
    store.attempts.pause(attempts[2], by="p", reason="toilet break")
    store.attempts.finish(attempts[5])
    store.attempts.terminate(attempts[6], reason="left the room", by="p")
    return info.delivery_id, attempts, content


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs"
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        store = Store.open(Path(tmp) / "store.sqlite3", clock=clock)
        delivery_id, attempts, content = _sitting(store, clock)
        flow = ProctorFlow(store, ProctorSession(ApiClient(OFFLINE), CredentialStore(OFFLINE)))
        flow.resize(1100, 640)
        flow.show()
        flow.open_delivery(delivery_id)
        _settle(2)
        page = flow.roster_page
        page.filter_edit.setFocus()
        page._select(1)  # the candidate with the extension and an incident
        _settle(2)
        folder.mkdir(parents=True, exist_ok=True)
        flow.grab().save(str(folder / "room_view.png"))
        flow.room.timer.stop()

        exam = parse_content(json.dumps(content).encode("utf-8"))
        window = ExamWindow(store, attempts[2], exam, clock)  # the paused one
        window.resize(1180, 700)
        window.show()
        window.session.send_queued_now()
        while not window.session.is_loaded:
            _settle()
        _settle(1)  # the layout follows the header's new text
        window.grab().save(str(folder / "exam_paused.png"))
        window.close_for_proctor()
        _settle()
        store.close()
    print(f"saved {folder / 'room_view.png'} and {folder / 'exam_paused.png'}")


if __name__ == "__main__":
    main()
