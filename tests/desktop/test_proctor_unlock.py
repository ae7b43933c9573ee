"""From a package file to an unlocked exam, by keyboard, through the real widgets and Store."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.content import ExamContent
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.store import Store
from medxam_desktop.ui.main_window import MainWindow
from medxam_desktop.ui.proctor.flow import ProctorFlow
from tests.desktop.package_builder import START_CODE, build_package, roster
from tests.desktop.proctor_fixtures import make_flow, state_texts, store  # noqa: F401

OFFLINE = "http://127.0.0.1:9"
PIN = "73915824"


def _with_pin(workstation_store: Store) -> None:
    workstation_store.proctors.set_pin(
        user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN
    )


def _open_file(qtbot: QtBot, flow: ProctorFlow, tmp_path: Path, *, takers: int = 5) -> object:
    built = build_package(takers=roster(takers))
    path = tmp_path / "anatomy.medxam"
    path.write_bytes(built.raw)
    flow.open_package_file(path)
    qtbot.waitUntil(lambda: state_texts(flow) == ["Ready"], timeout=10_000)
    return built


def _to_start_code(qtbot: QtBot, flow: ProctorFlow, typed: str) -> None:
    qtbot.keyClick(flow.deliveries_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    page = flow.roster_page
    assert page.filter_edit.hasFocus()
    qtbot.keyClicks(page.filter_edit, typed)
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert flow.currentWidget() is flow.start_code_page


def test_a_file_a_candidate_found_by_name_and_the_start_code(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    _with_pin(store)
    flow = make_flow(qtbot, store, OFFLINE)
    built = _open_file(qtbot, flow, tmp_path)
    assert "ready on this workstation: 5 candidates" in flow.deliveries_page.message_label.text()
    assert flow.deliveries_page.continue_button.isEnabled()

    _to_start_code(qtbot, flow, "turing")
    page = flow.start_code_page
    assert "C1003 · Alan Turing" in page.candidate_label.text()
    assert page.code_edit.hasFocus()

    # A wrong code: plain words, the page stays, the text is selected to type over.
    qtbot.keyClicks(page.code_edit, "abcd-efgh")
    assert page.code_edit.text() == "ABCD-EFGH"
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    # Nobody is signed in: the page asks whose unlock it is before anything is opened.
    assert "Type your proctor PIN too" in page.message_label.text()
    assert page.pin_edit.isVisible() and page.pin_edit.hasFocus()
    qtbot.keyClicks(page.pin_edit, PIN)
    qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "does not open" in page.message_label.text(), timeout=10_000)
    assert flow.currentWidget() is page
    assert page.code_edit.selectedText() == "ABCD-EFGH"
    assert store.attempts.list_for_delivery(built.document["delivery"]["id"]) == []  # type: ignore[attr-defined]

    # The right code, typed over the selection, opens the exam and hands it over.
    qtbot.keyClicks(page.code_edit, START_CODE[:4].lower() + " " + START_CODE[4:])
    qtbot.keyClicks(page.pin_edit, "11111111")  # nobody's PIN: nothing is unlocked
    qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "PIN is not right" in page.message_label.text(), timeout=10_000)
    assert store.attempts.list_for_delivery(built.document["delivery"]["id"]) == []  # type: ignore[attr-defined]
    with qtbot.waitSignal(flow.candidate_unlocked, timeout=10_000) as unlocked:
        qtbot.keyClicks(page.pin_edit, PIN)
        qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)
    attempt_id, content = unlocked.args
    assert isinstance(content, ExamContent)
    assert content.exam_id == built.content["exam"]["id"]  # type: ignore[attr-defined]
    attempt = store.attempts.get(attempt_id)
    assert attempt.status is AttemptStatus.ACTIVE
    assert (attempt.candidate_number, attempt.full_name) == ("C1003", "Alan Turing")
    steps = [(t.action, t.by) for t in store.attempts.transitions(attempt_id)]
    assert steps == [("check_in", "u-pat"), ("start", "u-pat")]  # who unlocked, recorded
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    qtbot.waitUntil(lambda: "In progress" in _roster_statuses(flow), timeout=10_000)


def _roster_statuses(flow: ProctorFlow) -> list[str]:
    model = flow.roster_page.model
    return [model.index(row, 2).data() for row in range(model.rowCount())]


def test_the_roster_filter_by_keyboard(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    flow = make_flow(qtbot, store, OFFLINE)
    _open_file(qtbot, flow, tmp_path, takers=40)
    qtbot.keyClick(flow.deliveries_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    page = flow.roster_page
    assert page.count_label.text() == "40 of 40 candidates"
    qtbot.keyClicks(page.filter_edit, "C102")  # C1020..C1029
    assert page.count_label.text() == "10 of 40 candidates"
    assert page.selected_entry().candidate_number == "C1020"  # type: ignore[union-attr]
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Down)
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Up)
    assert page.selected_entry().candidate_number == "C1021"  # type: ignore[union-attr]
    assert page.filter_edit.hasFocus()
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "34 NOETHER")  # words in any order, any case
    assert page.count_label.text() == "1 of 40 candidates"
    assert page.selected_entry().full_name == "Emmy Noether 34"  # type: ignore[union-attr]
    page.filter_edit.clear()
    qtbot.keyClicks(page.filter_edit, "nobody")
    assert page.count_label.text() == "0 of 40 candidates"
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Return)
    assert "No candidate matches" in page.message_label.text()
    assert flow.currentWidget() is page
    qtbot.keyClick(page.filter_edit, Qt.Key.Key_Escape)
    assert flow.currentWidget() is flow.deliveries_page


def test_a_finished_candidate_cannot_start_again(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    flow = make_flow(qtbot, store, OFFLINE)
    built = _open_file(qtbot, flow, tmp_path)
    delivery_id = built.document["delivery"]["id"]  # type: ignore[attr-defined]
    taker_id = built.document["takers"][0]["id"]  # type: ignore[attr-defined]
    attempt = store.attempts.check_in(delivery_id=delivery_id, taker_id=taker_id, by=None)
    store.attempts.start(attempt.id, by=None)
    store.attempts.finish(attempt.id)
    qtbot.keyClick(flow.deliveries_page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    qtbot.keyClicks(flow.roster_page.filter_edit, "C1001")
    qtbot.keyClick(flow.roster_page.filter_edit, Qt.Key.Key_Return)
    assert "already finished this exam" in flow.roster_page.message_label.text()
    assert flow.currentWidget() is flow.roster_page


def test_start_code_shape_is_checked_while_typing(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    flow = make_flow(qtbot, store, OFFLINE)
    _open_file(qtbot, flow, tmp_path)
    _to_start_code(qtbot, flow, "C1002")
    page = flow.start_code_page
    assert not page.unlock_button.isEnabled()
    qtbot.keyClicks(page.code_edit, "K7F0")
    assert "never contains 0" in page.message_label.text()
    page.code_edit.clear()
    qtbot.keyClicks(page.code_edit, "K7F3")
    assert page.message_label.text() == ""  # not wrong yet, only short
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Return)
    assert "has 8 characters; this one has 4" in page.message_label.text()
    qtbot.keyClick(page.code_edit, Qt.Key.Key_Escape)
    assert flow.currentWidget() is flow.roster_page


def test_a_damaged_file_is_refused_in_words(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    flow = make_flow(qtbot, store, OFFLINE)
    path = tmp_path / "holiday.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not a package")
    flow.open_package_file(path)
    label = flow.deliveries_page.message_label
    qtbot.waitUntil(lambda: "package is damaged" in label.text(), timeout=10_000)
    assert "start code" not in label.text()
    flow.open_package_file(tmp_path / "missing.medxam")
    qtbot.waitUntil(lambda: "missing.medxam could not be read" in label.text(), timeout=10_000)
    assert store.packages.list() == []


def test_the_main_window_hands_the_candidate_over(
    qtbot: QtBot,
    store: Store,  # noqa: F811
    tmp_path: Path,
) -> None:
    _with_pin(store)
    flow = make_flow(qtbot, store, OFFLINE, own=False)
    window = MainWindow(server_url=OFFLINE, proctor_flow=flow)
    qtbot.addWidget(window)
    window.show()
    _open_file(qtbot, flow, tmp_path)
    _to_start_code(qtbot, flow, "C1001")
    with qtbot.waitSignal(window.candidate_unlocked, timeout=10_000) as unlocked:
        qtbot.keyClicks(flow.start_code_page.code_edit, START_CODE)
        qtbot.keyClicks(flow.start_code_page.pin_edit, PIN)
        qtbot.keyClick(flow.start_code_page.pin_edit, Qt.Key.Key_Return)
    attempt_id, content = unlocked.args
    assert store.attempts.get(attempt_id).taker_id == flow.roster_page.model.entries[0].taker_id
    assert isinstance(content, ExamContent)
    qtbot.waitUntil(lambda: "In progress" in _roster_statuses(flow), timeout=10_000)


def test_every_control_has_an_object_and_accessible_name(
    qtbot: QtBot,
    store: Store,  # noqa: F811
) -> None:
    flow = make_flow(qtbot, store, OFFLINE)
    flow.open_sign_in()
    assert flow.sign_in_dialog is not None
    for root in (flow, flow.sign_in_dialog):
        controls = [
            w
            for w in root.findChildren(QWidget)
            if isinstance(w, QAbstractButton | QLineEdit | QAbstractItemView | QLabel)
            and w.parent() is not None
            and not w.objectName().startswith("qt_")
            and w.objectName() != "qt_scrollarea_viewport"
            and type(w.parent()).__name__ not in ("QLineEdit", "QHeaderView", "QTableCornerButton")
        ]
        unnamed = [
            f"{type(w).__name__}:{w.objectName()}"
            for w in controls
            if not (w.objectName() and w.accessibleName())
        ]
        assert len(controls) >= 8
        assert unnamed == [], unnamed
    flow.sign_in_dialog.reject()
