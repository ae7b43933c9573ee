"""The room view through the real widgets and a real Store: it refreshes itself, and the
proctor extends time and records incidents by keyboard, confirmed with a PIN."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.room_dialogs import ExtendTimeDialog, IncidentDialog
from medxam_desktop.ui.proctor.room_model import AttemptIdRole, IncidentCountRole, StatusRole
from tests.desktop.exam_window_support import SatExam
from tests.desktop.room_support import (  # noqa: F401 (exam_room is a fixture)
    KIM_PIN,
    PIN,
    cells,
    confirm,
    exam_room,
    focus_room,
    open_action,
)


def _records(sat: object, kind: str) -> list[dict[str, object]]:
    store = sat.store  # type: ignore[attr-defined]
    return [dict(r.data) for r in store.outbox.records() if r.kind == kind]


def test_the_room_view_follows_the_exam_without_leaving_the_page(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    sat, flow = exam_room
    page = flow.roster_page
    assert flow.room.timer.isActive()  # refreshing while the page is on screen
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "In progress", timeout=10_000)
    first = cells(flow)
    assert first["Number"] == "C-001" and first["Time left"] == "1:00:00"
    assert first["Last save"] == "—" and cells(flow, 1)["Status"] == "Not started"
    model = page.model
    assert model.index(0, 0).data(AttemptIdRole) == sat.attempt_id
    assert model.index(0, 0).data(StatusRole) == "active"
    assert model.index(1, 0).data(AttemptIdRole) is None
    assert "Ada Lovelace: In progress" in page.details_label.text()

    sat.window.activateWindow()
    qtbot.waitUntil(sat.window.isActiveWindow, timeout=5_000)
    qtbot.keyClick(sat.window, Qt.Key.Key_B)  # the candidate answers...
    sat.pass_time(30)
    qtbot.waitUntil(lambda: cells(flow)["Last save"] != "—", timeout=10_000)
    qtbot.waitUntil(lambda: cells(flow)["Time left"] == "59:30", timeout=10_000)

    sat.window.session.submit()  # ...and submits: the room says so by itself
    sat.settle()
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "Finished", timeout=10_000)
    assert cells(flow)["Time left"] == "—"
    assert flow.currentWidget() is page
    assert page.selected_entry().candidate_number == "C-001"  # type: ignore[union-attr]
    assert not page.action_buttons["extend"].isEnabled()
    flow.show_deliveries()
    assert not flow.room.timer.isActive()  # nothing read while the page is not shown


def test_extend_time_with_a_pin_is_recorded_and_shown_to_the_candidate(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    sat, flow = exam_room
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "In progress", timeout=10_000)
    dialog = open_action(qtbot, flow, "Ctrl+T")
    assert isinstance(dialog, ExtendTimeDialog) and dialog.focusWidget() is dialog.minutes
    assert "At most 60 extra minutes" in dialog.intro.text()
    dialog.minutes.setValue(10)
    qtbot.keyClick(dialog.pin_edit, Qt.Key.Key_Return)  # no reason yet
    assert "Say why" in dialog.message_label.text()
    qtbot.keyClicks(dialog.reason, "fire alarm")
    assert not confirm(qtbot, flow, dialog, "11111111")  # nobody's PIN
    assert "not right" in dialog.message_label.text()
    assert sat.store.attempts.get(sat.attempt_id).extension_ms == 0
    assert confirm(qtbot, flow, dialog, PIN)
    assert "10 more minutes" in flow.roster_page.message_label.text()

    view = sat.store.attempts.get(sat.attempt_id)
    assert view.extension_ms == 600_000 and view.remaining_ms == 70 * 60_000
    assert _records(sat, "attempt.time_extended") == [
        {"minutes": 10, "reason": "fire alarm", "by": "u-pat",
         "question_id": sat.shown_id(0)}
    ]  # fmt: skip
    sat.settle()  # the candidate's screen: the countdown grew, and it says so
    w = sat.window
    assert w.header.time_left.text() == "Time left 1:10:00"
    assert w.time_warning.isVisible()
    assert "given you 10 more minutes" in w.time_warning.text()
    qtbot.waitUntil(lambda: cells(flow)["Time left"] == "1:10:00 (+10 min)", timeout=10_000)

    # The cap: 60 minutes per attempt, said in words; nothing recorded past it.
    focus_room(qtbot, flow)
    again = open_action(qtbot, flow, "Ctrl+T")
    assert isinstance(again, ExtendTimeDialog)
    assert again.minutes.maximum() == 50 and "10 given already" in again.intro.text()
    qtbot.keyClicks(again.reason, "more")
    again.minutes.setValue(50)
    assert confirm(qtbot, flow, again, PIN)
    assert sat.store.attempts.get(sat.attempt_id).extension_ms == 60 * 60_000
    focus_room(qtbot, flow)
    qtbot.waitUntil(lambda: "(+60 min)" in cells(flow)["Time left"], timeout=10_000)
    last = open_action(qtbot, flow, "Ctrl+T")
    qtbot.keyClicks(last.reason, "and more")
    assert not confirm(qtbot, flow, last, PIN)
    assert "already has 60 extra minutes" in last.message_label.text()
    last.reject()
    assert len(_records(sat, "attempt.time_extended")) == 2


def test_incidents_are_recorded_synced_and_listed_per_attempt(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    sat, flow = exam_room
    sat.store.proctors.set_pin(
        user_id="u-kim", username="kim", full_name="Kim Invigilator", pin=KIM_PIN
    )
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "In progress", timeout=10_000)
    assert cells(flow)["Incidents"] == ""
    dialog = open_action(qtbot, flow, "Ctrl+I")
    assert isinstance(dialog, IncidentDialog) and dialog.focusWidget() is dialog.category
    categories = [dialog.category.itemData(i) for i in range(dialog.category.count())]
    assert categories == [
        "technical", "identity", "misconduct", "illness", "environment", "other",
    ]  # fmt: skip
    dialog.category.setCurrentIndex(categories.index("other"))
    assert not confirm(qtbot, flow, dialog, KIM_PIN)
    assert "a note is needed" in dialog.message_label.text()
    dialog.category.setCurrentIndex(0)
    qtbot.keyClicks(dialog.note, "mouse replaced")
    assert confirm(qtbot, flow, dialog, KIM_PIN)  # Kim's PIN: Kim recorded it

    assert _records(sat, "attempt.incident") == [
        {"category": "technical", "note": "mouse replaced", "by": "u-kim",
         "question_id": sat.shown_id(0)}
    ]  # fmt: skip
    record = next(r for r in sat.store.outbox.records() if r.kind == "attempt.incident")
    assert record.state == "pending"  # in the queue the pusher sends
    wire = record.wire()
    assert wire["by"] == "u-kim" and wire["data"] == {
        "category": "technical",
        "note": "mouse replaced",
    }
    qtbot.waitUntil(
        lambda: cells(flow)["Incidents"] == "Technical problem: mouse replaced",
        timeout=10_000,
    )
    page = flow.roster_page
    assert page.model.index(0, 0).data(IncidentCountRole) == 1
    assert "Technical problem: mouse replaced" in page.details_label.text()

    focus_room(qtbot, flow)
    second = open_action(qtbot, flow, "Ctrl+I")
    second.category.setCurrentIndex(4)  # type: ignore[attr-defined]
    qtbot.keyClicks(second.note, "drill outside")  # type: ignore[attr-defined]
    assert confirm(qtbot, flow, second, PIN)
    qtbot.waitUntil(lambda: "(+1 more)" in cells(flow)["Incidents"], timeout=10_000)
    details = page.details_label.text()
    assert "mouse replaced" in details and "Room (noise, alarm, heat): drill outside" in details
    assert sat.store.attempts.get(sat.attempt_id).status is AttemptStatus.ACTIVE


def test_actions_on_a_candidate_not_started_say_why_not(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    _sat, flow = exam_room
    page = flow.roster_page
    qtbot.keyClicks(page.filter_edit, "turing")
    qtbot.waitUntil(lambda: cells(flow)["Status"] == "In progress", timeout=10_000)
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert flow.room.dialog is None
    assert "has not started yet" in page.message_label.text()
    assert not page.action_buttons["pause"].isEnabled()


def test_the_room_view_and_its_dialogs_name_every_control(
    qtbot: QtBot,
    exam_room: tuple[SatExam, ProctorFlow],  # noqa: F811
) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QSpinBox,
        QWidget,
    )

    from medxam_desktop.ui.proctor.room_dialogs import (
        ExtendTimeDialog,
        IncidentDialog,
        PauseDialog,
        ResumeDialog,
    )

    _sat, flow = exam_room
    kinds = (QAbstractButton, QLineEdit, QAbstractItemView, QLabel, QComboBox, QSpinBox,
             QPlainTextEdit)  # fmt: skip
    roots: list[QWidget] = [
        flow.roster_page,
        ExtendTimeDialog("C-001", already_ms=0),
        IncidentDialog("C-001"),
        PauseDialog("C-001"),
        ResumeDialog("C-001"),
    ]
    for root in roots:
        qtbot.addWidget(root)
        controls = [
            w
            for w in root.findChildren(QWidget)
            if isinstance(w, kinds)
            and not w.objectName().startswith("qt_")
            and type(w.parent()).__name__
            not in ("QLineEdit", "QHeaderView", "QTableCornerButton", "QSpinBox", "QComboBox")
        ]
        unnamed = [
            f"{type(w).__name__}:{w.objectName()}"
            for w in controls
            if not (w.objectName() and w.accessibleName())
        ]
        assert unnamed == [], (root.objectName(), unnamed)
