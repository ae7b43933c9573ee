"""The exam window's parts on their own: the stem view, the countdown, the None guard."""

from __future__ import annotations

import sys

from PySide6.QtCore import QUrl
from PySide6.QtGui import QPixmap, QTextDocument
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.content import Media
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.ui.candidate.countdown import Countdown
from medxam_desktop.ui.candidate.question_view import QuestionView
from tests.desktop.package_builder import PNG_1X1

STEM = """**Which** nerve is shown?

![](media:arm.png)

| a | b |
|---|---|
| 1 | 2 |

![](media:missing.png) [a link](https://example.invalid)"""


def test_a_stem_is_markdown_with_images_from_the_package(qtbot: QtBot) -> None:
    view = QuestionView({"arm.png": Media("arm.png", "image/png", PNG_1X1)})
    qtbot.addWidget(view)
    view.show_stem("q1", STEM, heading="Question 1 of 3")
    html = view.toHtml()
    assert "font-weight:700" in html and "<table" in html
    image = view.document().resource(
        QTextDocument.ResourceType.ImageResource.value, QUrl("media:arm.png")
    )
    assert isinstance(image, QPixmap) and image.width() == 1
    assert (
        view.loadResource(QTextDocument.ResourceType.ImageResource.value, QUrl("media:x")) is None
    )
    assert (
        view.loadResource(
            QTextDocument.ResourceType.ImageResource.value, QUrl("https://example.invalid/a.png")
        )
        is None
    )  # nothing outside the package is ever loaded
    assert view.accessibleDescription().startswith("Question 1 of 3. Which nerve is shown?")
    first = view.document()
    view.show_stem("q2", "Second", heading="Question 2 of 3")
    view.show_stem("q1", STEM, heading="Question 1 of 3")
    assert view.document() is first  # made once, swapped back in


def test_countdown_warns_once_per_threshold_and_expires_once(qtbot: QtBot) -> None:
    clock = FakeClock()
    countdown = Countdown(clock)
    warned: list[int] = []
    expired: list[bool] = []
    countdown.warned.connect(warned.append)
    countdown.expired.connect(lambda: expired.append(True))
    countdown.start(20 * 60_000)
    clock.advance(16 * 60_000)  # 4 minutes left: 15 and 5 crossed in one step
    countdown.tick()
    assert warned == [5]
    countdown.start(4 * 60_000)  # the store re-anchors: nothing repeated
    countdown.tick()
    assert warned == [5]
    clock.advance(3 * 60_000)
    countdown.tick()
    assert warned == [5, 1]
    clock.advance(60_000)
    countdown.tick()
    countdown.tick()
    assert expired == [True] and not countdown.running
    countdown.stop()


def test_a_countdown_started_late_does_not_announce_passed_thresholds(qtbot: QtBot) -> None:
    clock = FakeClock()
    countdown = Countdown(clock)
    warned: list[int] = []
    countdown.warned.connect(warned.append)
    countdown.start(3 * 60_000)
    countdown.tick()
    assert warned == []
    countdown.stop()


def test_void_qt_calls_do_not_leak_references_to_none(qtbot: QtBot) -> None:
    """PySide6 6.12.0 on Python 3.11 dropped a reference to None on every void call and
    aborted the process ("none_dealloc"); pyproject pins below it. This catches a relapse."""
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(5_000):
        label.setText("x")
    assert abs(sys.getrefcount(None) - before) < 100
