"""The proctor PIN through the real widgets and a real Store file: set after a password
sign-in (real server), offline sign-in with it (wrong PINs refused and throttled), and
closing a candidate's exam window with it, which pauses the attempt."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from medxam_desktop.app import Workstation
from medxam_desktop.config import load_config
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.proctor import ProctorView
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.store import Store
from medxam_desktop.ui.proctor.exam_close import record_close
from medxam_desktop.ui.proctor.flow import ProctorFlow
from medxam_desktop.ui.proctor.pin_dialog import SetPinDialog
from medxam_desktop.ui.proctor.sign_in_dialog import SignInDialog
from medxam_desktop.ui.tasks import wait_for_all
from medxam_desktop.ui.widgets.pin_dialog import PinDialog
from medxam_server.config import Settings
from tests.contract.live_server import PASSWORD, serving_delivery
from tests.desktop.package_builder import START_CODE, build_package
from tests.desktop.proctor_fixtures import make_flow, state_texts
from tests.desktop.sample_exam import started_attempt

OFFLINE = "http://127.0.0.1:9"
PIN = "73915824"  # eight digits: nothing else in a store or a log contains it by chance
NEW_PIN = "58203967"
KIM_PIN = "64082719"


def _type(qtbot: QtBot, edit: QLineEdit, text: str, *, enter: bool = False) -> None:
    edit.clear()
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def _assert_no_pin_anywhere(directory: Path, caplog: pytest.LogCaptureFixture) -> None:
    on_disk = b"".join(p.read_bytes() for p in directory.rglob("*") if p.is_file())
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    for pin in (PIN, NEW_PIN, KIM_PIN):
        assert pin.encode() not in on_disk and pin.encode("utf-16-le") not in on_disk
        assert pin not in logged
    assert "PIN" in caplog.text  # the log did see the PIN events, just never a PIN


@pytest.fixture(scope="module")
def live(live_settings: Settings) -> Iterator[str]:
    """The real server on SQLite, with a proctor "pat" (Pat Proctor)."""
    with serving_delivery(live_settings, taker_count=1, question_count=1) as (url, _setup):
        yield url


@pytest.fixture
def clocked_store(tmp_path: Path) -> Iterator[tuple[Store, FakeClock]]:
    clock = FakeClock()
    opened = Store.open(tmp_path / "store" / "workstation.sqlite3", clock=clock)
    yield opened, clock
    wait_for_all()
    opened.close()


def _pin_dialog(qtbot: QtBot, flow: ProctorFlow) -> SetPinDialog:
    qtbot.waitUntil(lambda: flow.pin_dialog is not None and flow.pin_dialog.isVisible())
    assert flow.pin_dialog is not None
    return flow.pin_dialog


def test_a_pin_is_set_after_the_password_sign_in_and_changed_later(
    qtbot: QtBot, live: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store = Store.open(tmp_path / "store" / "workstation.sqlite3")
    flow = make_flow(qtbot, store, live)
    qtbot.mouseClick(flow.deliveries_page.account_button, Qt.MouseButton.LeftButton)
    sign_in = flow.sign_in_dialog
    assert sign_in is not None
    _type(qtbot, sign_in.username_edit, "pat")
    _type(qtbot, sign_in.password_edit, PASSWORD, enter=True)
    qtbot.waitUntil(lambda: not sign_in.isVisible(), timeout=10_000)
    assert not sign_in.pin_offer_button.isVisibleTo(sign_in)  # the server was there

    dialog = _pin_dialog(qtbot, flow)
    assert not dialog.current_edit.isVisibleTo(dialog) and dialog.new_edit.hasFocus()
    controls = [w for w in dialog.findChildren(QWidget) if isinstance(w, QAbstractButton
                | QLineEdit | QLabel) and not w.objectName().startswith("qt_")]  # fmt: skip
    assert len(controls) >= 9
    assert [w for w in controls if not (w.objectName() and w.accessibleName())] == []
    _type(qtbot, dialog.new_edit, "12")
    _type(qtbot, dialog.again_edit, "12", enter=True)
    assert "too short" in dialog.message_label.text() and dialog.isVisible()
    _type(qtbot, dialog.new_edit, "12ab34")  # digits only: letters never reach the field
    assert dialog.new_edit.text() == "1234"
    _type(qtbot, dialog.again_edit, "1235", enter=True)
    assert "not the same" in dialog.message_label.text() and dialog.isVisible()
    assert dialog.new_edit.text() == "" and dialog.new_edit.hasFocus()
    assert store.proctors.known() == []
    _type(qtbot, dialog.new_edit, PIN)
    _type(qtbot, dialog.again_edit, PIN, enter=True)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    user = flow.session.user
    assert user is not None and user.role == "proctor"
    assert store.proctors.known() == [ProctorView(user.id, "pat", "Pat Proctor")]
    assert "Your PIN is set" in flow.deliveries_page.message_label.text()
    assert store.proctors.verify("pat", PIN) is not None

    # A later run keeps the sign-in (no password typed): changing the PIN asks for it.
    second = make_flow(qtbot, store, live)
    page = second.deliveries_page
    qtbot.waitUntil(lambda: "Pat Proctor" in page.account_label.text(), timeout=10_000)
    assert second.pin_dialog is None  # a PIN exists: nothing is asked
    assert page.pin_button.isVisibleTo(page)
    qtbot.mouseClick(page.pin_button, Qt.MouseButton.LeftButton)
    change = _pin_dialog(qtbot, second)
    assert change.current_edit.isVisibleTo(change) and change.current_edit.hasFocus()
    _type(qtbot, change.current_edit, "1111")
    _type(qtbot, change.new_edit, NEW_PIN)
    _type(qtbot, change.again_edit, NEW_PIN, enter=True)
    qtbot.waitUntil(lambda: "not right" in change.message_label.text(), timeout=10_000)
    assert change.isVisible() and change.current_edit.hasFocus()
    _type(qtbot, change.current_edit, PIN, enter=True)
    qtbot.waitUntil(lambda: not change.isVisible(), timeout=10_000)
    assert store.proctors.verify("pat", NEW_PIN) is not None
    assert store.proctors.verify("pat", PIN) is None
    wait_for_all()
    store.close()
    _assert_no_pin_anywhere(tmp_path / "store", caplog)


def test_offline_sign_in_with_a_pin_refused_when_wrong_and_throttled(
    qtbot: QtBot,
    clocked_store: tuple[Store, FakeClock],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store, clock = clocked_store
    store.proctors.set_pin(user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN)
    store.proctors.set_pin(
        user_id="u-kim", username="kim", full_name="Kim Invigilator", pin=KIM_PIN
    )
    flow = make_flow(qtbot, store, OFFLINE)
    page = flow.deliveries_page
    qtbot.mouseClick(page.account_button, Qt.MouseButton.LeftButton)
    dialog = flow.sign_in_dialog
    assert isinstance(dialog, SignInDialog)
    qtbot.waitUntil(lambda: dialog.pin_offer_button.isVisible(), timeout=10_000)
    assert "cannot be reached" in dialog.message_label.text()
    qtbot.mouseClick(dialog.pin_offer_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin_mode and dialog.pin_edit.hasFocus(), timeout=10_000)
    combo = dialog.proctor_combo
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == ["Kim Invigilator (kim)", "Pat Proctor (pat)"]
    combo.setCurrentIndex(1)
    assert dialog.sign_in_button.text() == "Sign in with PIN"

    for tries in range(1, 5):
        _type(qtbot, dialog.pin_edit, "0000", enter=True)
        qtbot.waitUntil(lambda: dialog.pin_edit.isEnabled(), timeout=10_000)
        assert dialog.message_label.text() == "That PIN is not right.", tries
        assert dialog.isVisible() and dialog.pin_edit.text() == ""
    _type(qtbot, dialog.pin_edit, KIM_PIN, enter=True)  # Kim's PIN is not Pat's
    qtbot.waitUntil(lambda: dialog.pin_edit.isEnabled(), timeout=10_000)
    assert "Too many wrong PINs. Wait 30 seconds" in dialog.message_label.text()
    _type(qtbot, dialog.pin_edit, PIN, enter=True)  # even the right one waits
    qtbot.waitUntil(lambda: dialog.pin_edit.isEnabled(), timeout=10_000)
    assert "Too many wrong PINs" in dialog.message_label.text() and dialog.isVisible()
    assert flow.session.user is None

    clock.advance(30_000)
    _type(qtbot, dialog.pin_edit, PIN, enter=True)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    assert flow.session.user is not None and flow.session.user.id == "u-pat"
    assert flow.session.offline and flow.session.client.token is None
    assert "with a PIN, offline" in page.account_label.text()
    assert "Signed in with your PIN" in page.message_label.text()
    assert not page.refresh_button.isEnabled()
    assert flow.pin_dialog is None  # offline: no new PIN asked for

    # The proctor flow works offline: a package file, a candidate, the start code.
    package = tmp_path / "sitting.medxam"
    package.write_bytes(build_package().raw)
    flow.open_package_file(package)
    qtbot.waitUntil(lambda: state_texts(flow) == ["Ready"], timeout=10_000)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    qtbot.keyClicks(flow.roster_page.filter_edit, "turing")
    qtbot.keyClick(flow.roster_page.filter_edit, Qt.Key.Key_Return)
    with qtbot.waitSignal(flow.candidate_unlocked, timeout=10_000) as unlocked:
        qtbot.keyClicks(flow.start_code_page.code_edit, START_CODE)
        qtbot.keyClick(flow.start_code_page.code_edit, Qt.Key.Key_Return)
    attempt_id = unlocked.args[0] if unlocked.args else ""
    assert [(t.action, t.by) for t in store.attempts.transitions(attempt_id)] == [
        ("check_in", "u-pat"),
        ("start", "u-pat"),
    ]

    # Changing the PIN while signed in with one asks for the current PIN.
    qtbot.mouseClick(page.pin_button, Qt.MouseButton.LeftButton)
    change = _pin_dialog(qtbot, flow)
    assert change.current_edit.isVisibleTo(change)
    wait_for_all()
    _assert_no_pin_anywhere(tmp_path / "store", caplog)
    change.reject()


@pytest.fixture
def workstation(qtbot: QtBot, tmp_path: Path) -> Iterator[tuple[Workstation, FakeClock]]:
    config = load_config(server_url=OFFLINE, data_dir=tmp_path / "desktop")
    config.data_dir.mkdir(parents=True)
    clock = FakeClock()
    composed = Workstation(config, clock=clock)
    qtbot.addWidget(composed.window)
    composed.start()
    yield composed, clock
    for exam in list(composed.exam_windows):
        exam.close_for_proctor()
    composed.close()


def test_the_exam_window_closes_with_a_proctors_pin_and_the_attempt_pauses(
    qtbot: QtBot,
    workstation: tuple[Workstation, FakeClock],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    composed, clock = workstation
    qtbot.waitUntil(lambda: composed.flow is not None, timeout=10_000)
    store, flow = composed.store, composed.flow
    assert store is not None and flow is not None
    store.proctors.set_pin(user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN)
    store.proctors.set_pin(
        user_id="u-kim", username="kim", full_name="Kim Invigilator", pin=KIM_PIN
    )
    package = tmp_path / "sitting.medxam"
    package.write_bytes(build_package().raw)
    flow.open_package_file(package)
    qtbot.waitUntil(lambda: flow.deliveries_page.continue_button.isEnabled(), timeout=10_000)
    flow.deliveries_page.go_on()
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    qtbot.keyClicks(flow.roster_page.filter_edit, "franklin")
    qtbot.keyClick(flow.roster_page.filter_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(flow.start_code_page.code_edit, START_CODE)
    qtbot.keyClick(flow.start_code_page.code_edit, Qt.Key.Key_Return)
    assert flow.start_code_page.pin_edit.hasFocus()  # nobody signed in: whose unlock?
    _type(qtbot, flow.start_code_page.pin_edit, PIN, enter=True)
    qtbot.waitUntil(lambda: len(composed.exam_windows) == 1, timeout=10_000)
    exam = composed.exam_windows[0]
    attempt_id = exam.session.attempt_id
    qtbot.waitUntil(lambda: exam.session.is_loaded, timeout=10_000)

    exam.close()
    dialog = exam.findChild(PinDialog, "proctorPinDialog")
    assert isinstance(dialog, PinDialog) and dialog.isVisible()
    for _ in range(4):
        _type(qtbot, dialog.pin_input, "0000", enter=True)
        assert exam.isVisible() and "not right" in dialog.message.text()
    _type(qtbot, dialog.pin_input, "1111", enter=True)  # the fifth wrong one: wait
    qtbot.waitUntil(lambda: "Too many wrong PINs" in dialog.message.text(), timeout=5_000)
    _type(qtbot, dialog.pin_input, KIM_PIN, enter=True)  # right, but it has to wait
    qtbot.waitUntil(lambda: "Wait 30 seconds" in dialog.message.text(), timeout=5_000)
    assert exam.isVisible()
    assert store.attempts.get(attempt_id).status is AttemptStatus.ACTIVE

    clock.advance(31_000)
    with qtbot.waitSignal(exam.closed_by_proctor, timeout=10_000):
        _type(qtbot, dialog.pin_input, KIM_PIN, enter=True)  # any proctor known here
    assert not exam.isVisible()
    qtbot.waitUntil(
        lambda: store.attempts.get(attempt_id).status is AttemptStatus.PAUSED, timeout=10_000
    )
    last = store.attempts.transitions(attempt_id)[-1]
    assert (last.action, last.by, last.reason) == (
        "pause",
        "u-kim",
        "window closed by proctor Kim Invigilator",
    )
    assert composed.window.pages.currentWidget() is flow
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    model = flow.roster_page.model
    qtbot.waitUntil(
        lambda: "Paused" in [model.index(r, 2).data() for r in range(model.rowCount())],
        timeout=10_000,
    )
    wait_for_all()
    _assert_no_pin_anywhere(composed.config.data_dir, caplog)


def test_a_close_on_a_paused_attempt_is_an_incident_and_on_a_finished_one_nothing(
    clocked_store: tuple[Store, FakeClock],
) -> None:
    store, _clock = clocked_store
    kim = ProctorView("u-kim", "kim", "Kim Invigilator")
    attempt_id = started_attempt(store)
    store.attempts.pause(attempt_id, by="u-pat", reason="fire alarm")
    assert record_close(store, attempt_id, kim).status is AttemptStatus.PAUSED
    last = store.attempts.transitions(attempt_id)[-1]
    assert (last.action, last.by, last.reason) == ("incident", "u-kim", "window_closed")
    record = store.outbox.pending(limit=100, max_bytes=1 << 20)[-1]
    assert record.kind == "attempt.incident" and record.data["by"] == "u-kim"
    assert record.data["note"] == "window closed by proctor Kim Invigilator"
    store.attempts.finish(attempt_id)
    count = len(store.attempts.transitions(attempt_id))
    assert record_close(store, attempt_id, kim).status is AttemptStatus.FINISHED
    assert len(store.attempts.transitions(attempt_id)) == count
