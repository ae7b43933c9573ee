"""The composed workstation: store opened off the UI thread, proctor flow, hand-over."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from medxam_desktop.app import Workstation
from medxam_desktop.config import load_config
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.ui.candidate.exam_window import ExamWindow
from tests.desktop.package_builder import START_CODE, build_package

PIN = "73915824"


@pytest.fixture
def workstation(qtbot: QtBot, tmp_path: Path) -> Iterator[Workstation]:
    config = load_config(server_url="http://127.0.0.1:9", data_dir=tmp_path / "desktop")
    config.data_dir.mkdir(parents=True)
    composed = Workstation(config)
    qtbot.addWidget(composed.window)
    composed.start()
    yield composed
    for exam in list(composed.exam_windows):
        exam.close_for_proctor()
    composed.close()


def test_from_package_file_to_the_exam_window(
    qtbot: QtBot, workstation: Workstation, tmp_path: Path
) -> None:
    qtbot.waitUntil(lambda: workstation.flow is not None, timeout=10_000)
    flow = workstation.flow
    assert flow is not None and workstation.window.pages.currentWidget() is flow
    assert workstation.config.store_path.exists()
    qtbot.waitUntil(lambda: workstation.window.connection_label.text() == "Offline", timeout=10_000)

    assert workstation.store is not None
    workstation.store.proctors.set_pin(
        user_id="u-pat", username="pat", full_name="Pat Proctor", pin=PIN
    )
    built = build_package()
    package = tmp_path / "sitting.medxam"
    package.write_bytes(built.raw)
    flow.open_package_file(package)
    qtbot.waitUntil(lambda: flow.deliveries_page.continue_button.isEnabled(), timeout=10_000)
    flow.deliveries_page.go_on()
    qtbot.waitUntil(lambda: flow.currentWidget() is flow.roster_page, timeout=10_000)
    qtbot.keyClicks(flow.roster_page.filter_edit, "franklin")
    qtbot.keyClick(flow.roster_page.filter_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(flow.start_code_page.code_edit, START_CODE)
    qtbot.keyClicks(flow.start_code_page.pin_edit, PIN)  # nobody signed in: the PIN says who
    qtbot.keyClick(flow.start_code_page.pin_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: len(workstation.exam_windows) == 1, timeout=10_000)
    exam = workstation.exam_windows[0]
    assert isinstance(exam, ExamWindow) and exam.isVisible()
    assert exam.windowTitle() == "Anatomy 2"
    assert workstation.store is not None
    attempt = workstation.store.attempts.get(exam.session.attempt_id)
    assert attempt.status is AttemptStatus.ACTIVE and attempt.full_name == "Rosalind Franklin"
    exam.close()  # no PIN given: the candidate cannot close it
    assert exam.isVisible()

    # The content was opened in memory only: no question text is anywhere on disk.
    stems = [q["stem"].split(":")[0].encode() for q in built.content["questions"]]
    on_disk = b"".join(
        p.read_bytes() for p in workstation.config.data_dir.rglob("*") if p.is_file()
    )
    assert b"Anatomy 2" in on_disk  # the envelope is kept in clear: the scan sees it
    assert not [stem for stem in stems if stem in on_disk]
    assert b"Option B" not in on_disk


def test_a_store_that_cannot_open_is_said_in_words(qtbot: QtBot, tmp_path: Path) -> None:
    data = tmp_path / "desktop"
    data.mkdir()
    config = load_config(server_url="http://127.0.0.1:9", data_dir=data)
    config.store_path.mkdir()  # a directory where the store file should be
    composed = Workstation(config)
    qtbot.addWidget(composed.window)
    composed.start()
    label = composed.window.problem_label
    qtbot.waitUntil(lambda: "cannot sit an exam" in label.text(), timeout=10_000)
    assert str(config.store_path) in label.text()
    assert composed.flow is None
    composed.close()


def test_a_refused_sign_in_asks_the_proctor_but_never_over_an_exam(
    qtbot: QtBot, workstation: Workstation
) -> None:
    qtbot.waitUntil(lambda: workstation.flow is not None and workstation.sync is not None,
                    timeout=10_000)  # fmt: skip
    flow, scheduler = workstation.flow, workstation.sync
    assert flow is not None and scheduler is not None
    blocker = cast(ExamWindow, object())  # stands for a candidate's open exam window
    workstation.exam_windows.append(blocker)
    scheduler.sign_in_needed.emit()  # what a 401 from the server leads to
    assert flow.sign_in_dialog is None or not flow.sign_in_dialog.isVisible()
    workstation._exam_gone(blocker)  # the exam window went away: now the proctor is asked
    qtbot.waitUntil(
        lambda: flow.sign_in_dialog is not None and flow.sign_in_dialog.isVisible(), timeout=5_000
    )
    flow.sign_in_dialog.reject()
