"""The attempt drill-down and the score override against the live server.

Every answer of the attempt is listed as the server holds it, the time chart's bars are
its ``time_spent_ms``, the timeline lists the fixture's pause, resume, extension and
incident in words; an override with a reason shows in the history, the timeline and the
results; one the server refuses shows the server's words and changes nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.attempt_review import ServerAttempt
from medxam_desktop.domain.results_text import format_points
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.ui.admin.attempts_model import NO_RECEIPT
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.rows_model import RowRole
from medxam_desktop.ui.admin.score_dialog import ScoreOverrideDialog, parse_points
from medxam_desktop.ui.tasks import wait_for_all
from tests.contract.live_server import PASSWORD
from tests.desktop.admin_fixtures import AdminWorld
from tests.desktop.admin_review_support import (
    WAIT,
    make_console,
    open_attempt,
    open_results,
    tab_chain,
)


@pytest.fixture
def console(qtbot: QtBot, admin_world: AdminWorld, tmp_path: Path) -> Iterator[AdminConsole]:
    made = make_console(qtbot, admin_world.url, tmp_path / "desktop")
    open_results(qtbot, made, admin_world.delivery_id)
    yield made
    wait_for_all()


def _column(model: object, column: int) -> list[str]:
    from PySide6.QtCore import QAbstractItemModel

    assert isinstance(model, QAbstractItemModel)
    return [model.index(r, column).data() for r in range(model.rowCount())]


def test_the_attempt_page_lists_every_answer_and_its_time(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    attempt_id = admin_world.with_events[0]
    page = open_attempt(qtbot, console, attempt_id)
    assert console.current_key == "attempt"
    server = admin_world.admin.get(f"/attempts/{attempt_id}/answers").json()
    assert len(server) == 12
    assert _column(page.answers, 0) == [str(a["position"]) for a in server]
    assert _column(page.answers, 1) == [", ".join(a["answer"]) or "—" for a in server]
    words = {True: "Correct", False: "Incorrect", None: "Omitted"}
    assert _column(page.answers, 2) == [words[a["is_correct"]] for a in server]
    assert _column(page.answers, 3) == [
        format_points(Decimal(str(a["points_awarded"]))) for a in server
    ]
    assert _column(page.answers, 5) == ["Flagged" if a["flagged"] else "" for a in server]
    # The time chart: one bar per question, its height the seconds the server holds.
    assert page.time_chart.categories == [str(a["position"]) for a in server]
    assert page.time_chart.seconds() == [a["time_spent_ms"] / 1000 for a in server]
    total_ms = sum(a["time_spent_ms"] for a in server)
    description = page.time_chart.accessibleDescription()
    assert "12 questions" in description and page.values["time"].text() in description
    assert page.values["time"].text() == f"{total_ms // 60000}:{total_ms // 1000 % 60:02d}"
    # The header says what the server says.
    details = admin_world.admin.get(f"/attempts/{attempt_id}/details").json()
    assert page.values["candidate"].text() == (
        f"{details['taker']['full_name']} ({details['taker']['candidate_number']})"
    )
    assert page.values["status"].text() == "Finished"
    assert page.values["total"].text().startswith(format_points(Decimal(str(details["total"]))))
    assert page.values["result"].text().startswith("Pass" if details["passed"] else "Fail")
    assert page.values["integrity"].text() == "Complete"
    assert page.time_chart.accessibleName() and page.answers_table.accessibleName()
    # The receipt code the push returned, as the server's details list it (issue 12) …
    code = admin_world.receipts[attempt_id]
    assert details["receipt_code"] == code and page.values["receipt"].text() == code
    # … also when the results on screen do not hold the attempt (opened from Receipts).
    page.receipt_lookup = lambda _id: None
    with qtbot.waitSignal(page.review_shown, timeout=WAIT):
        page.load(attempt_id)
    assert page.values["receipt"].text() == code


def test_the_timeline_lists_the_pause_extension_and_incident(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = open_attempt(qtbot, console, admin_world.with_events[1])
    what = _column(page.events, 1)
    assert what[0] == "Started" and what[-1] == "Finished"
    for kind in ("Paused", "Resumed", "Time extended", "Incident"):
        assert kind in what
    rows = dict(zip(what, zip(_column(page.events, 2), _column(page.events, 3), strict=True),
                    strict=True))  # fmt: skip
    assert rows["Paused"][0] == "Pat Proctor"
    assert rows["Time extended"] == ("Pat Proctor", "+5 min: fire alarm")
    assert rows["Incident"] == ("Pat Proctor", "noise: construction next door")
    server = admin_world.admin.get(f"/attempts/{admin_world.with_events[1]}/events").json()
    assert len(what) == len(server["events"])


def test_an_override_with_a_reason_shows_in_the_history_the_timeline_and_the_results(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    attempt_id = admin_world.spare_finished[0]
    page = open_attempt(qtbot, console, attempt_id)
    before = page.review
    assert before is not None and page.override_button.isEnabled()
    qtbot.keyClick(page.answers_table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = page.score_dialog
    assert isinstance(dialog, ScoreOverrideDialog) and dialog.isVisible()
    assert format_points(before.attempt.score) in dialog.current_label.text()
    new_score = (before.attempt.score or Decimal(0)) + Decimal("1.5")
    qtbot.keyClicks(dialog.score_edit, str(new_score))
    qtbot.keyClicks(dialog.penalty_edit, "0,25")
    assert not dialog.ok_button.isEnabled()  # no reason yet
    assert dialog.error_label.text() == "A reason is required."
    qtbot.keyClicks(dialog.reason_edit, "question 7 was miskeyed")
    assert dialog.ok_button.isEnabled()
    with (
        qtbot.waitSignal(console.results_loaded, timeout=WAIT),
        qtbot.waitSignal(page.review_shown, timeout=WAIT),
    ):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert page.score_dialog is None  # closed once the server took it
    after = page.review
    assert after is not None
    assert after.attempt.score == new_score and after.attempt.penalty == Decimal("0.25")
    assert page.values["score"].text() == f"{format_points(new_score)} (changed by hand)"
    assert page.history.rowCount() == len(after.history) >= 1
    change = page.history.index(0, 0).data(RowRole)
    assert change.reason == "question 7 was miskeyed" and change.new_score == new_score
    assert page.history.index(0, 1).data() == "Ada Admin"
    assert _column(page.events, 1)[-1] == "Score changed"
    assert "question 7 was miskeyed" in _column(page.events, 3)[-1]
    # The results show it too (fetched again), and they are the server's.
    assert console.snapshot is not None
    row = console.snapshot.results.attempt(attempt_id)
    assert row is not None and row.score == new_score and row.penalty == Decimal("0.25")
    history = admin_world.admin.get(f"/attempts/{attempt_id}/score-history").json()["items"]
    assert history[0]["reason"] == "question 7 was miskeyed"


def test_an_override_the_server_refuses_shows_its_words_and_changes_nothing(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    attempt_id = admin_world.spare_finished[1]
    page = open_attempt(qtbot, console, attempt_id)
    before = admin_world.admin.get(f"/attempts/{attempt_id}").json()
    page.change_score()
    dialog = page.score_dialog
    assert dialog is not None
    qtbot.keyClicks(dialog.score_edit, "3")
    qtbot.keyClicks(dialog.reason_edit, "remarked")
    # The admin's sign-in now carries a proctor's token (the role was taken away).
    proctor_token, _user = ApiClient(admin_world.url).login("pat", PASSWORD)
    client = console.context.api.client
    admin_token, client.token = client.token, proctor_token
    try:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "not changed" in dialog.error_label.text(), timeout=WAIT)
    finally:
        client.token = admin_token
    assert dialog.isVisible()
    assert "Only an admin may change a score" in dialog.error_label.text()
    assert dialog.score_edit.text() == "3" and dialog.reason_edit.toPlainText() == "remarked"
    assert dialog.ok_button.isEnabled()  # the admin may try again
    assert admin_world.admin.get(f"/attempts/{attempt_id}").json()["score"] == before["score"]
    assert admin_world.admin.get(f"/attempts/{attempt_id}/score-history").json()["items"] == []
    dialog.reject()


def test_the_server_refuses_to_change_an_attempt_in_progress_in_words(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    attempt_id = admin_world.in_progress[0]
    page = open_attempt(qtbot, console, attempt_id)
    assert page.values["receipt"].text() == NO_RECEIPT  # no finish, no receipt code
    assert not page.override_button.isEnabled()  # the page does not offer it …
    raw = admin_world.admin.get(f"/attempts/{attempt_id}").json()
    dialog = ScoreOverrideDialog(console.context, ServerAttempt.from_json(raw), "x", console)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.score_edit, "5")
    qtbot.keyClicks(dialog.reason_edit, "test")
    dialog.send()  # … and the server refuses it when asked anyway (409)
    qtbot.waitUntil(lambda: "not changed" in dialog.error_label.text(), timeout=WAIT)
    assert "still in progress" in dialog.error_label.text()
    assert admin_world.admin.get(f"/attempts/{attempt_id}").json()["score"] is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("41.5", Decimal("41.5")), (" 41,5 ", Decimal("41.5")), ("0", Decimal(0)), ("", None)],
)
def test_points_are_read_forgivingly(typed: str, expected: Decimal | None) -> None:
    assert parse_points(typed) == expected


@pytest.mark.parametrize("typed", ["-3", "abc", "1.1234567", "1e3", "4 1.5.2"])
def test_a_bad_number_keeps_ok_disabled_and_says_why(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld, typed: str
) -> None:
    raw = admin_world.admin.get(f"/attempts/{admin_world.finished[0]}").json()
    dialog = ScoreOverrideDialog(console.context, ServerAttempt.from_json(raw), "x", console)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.score_edit, typed)
    qtbot.keyClicks(dialog.reason_edit, "a reason")
    assert not dialog.ok_button.isEnabled()
    assert dialog.error_label.text().startswith("Score: write a number")


def test_every_control_of_the_attempt_page_is_reached_by_tab(
    qtbot: QtBot, console: AdminConsole, admin_world: AdminWorld
) -> None:
    page = open_attempt(qtbot, console, admin_world.with_events[0])
    visited = tab_chain(qtbot, page.answers_table)
    wanted = [
        page.override_button,
        page.answers_table,
        page.time_chart,
        page.events_table,
        page.history_table,
    ]
    names = ",".join(w.objectName() for w in visited)
    assert all(widget in visited for widget in wanted), names
    assert all(widget.accessibleName() for widget in wanted)
    # One Tab stop per control: the chart's viewport is not a second one.
    assert all(a is not b for a, b in itertools.pairwise(visited))
