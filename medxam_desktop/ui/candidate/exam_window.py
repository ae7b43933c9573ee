"""The candidate's exam window: navigator, question, options, review, countdown, saving.

``ExamWindow(store, attempt_id, content, clock)`` shows an attempt the proctor started.
Everything that touches the store goes through ``ExamSession`` (the single store worker);
the window only draws. The keys are in ``exam_keys.py``. The window closes only with the
proctor's PIN (``verify_pin``), or once the exam is submitted.

Rows (navigator boxes, "Question 3 of 40", the review list) are positions on screen, in
the attempt's own order when the exam shuffles (``domain/display_order.py``); answers and
time are kept by question id and the options' own labels.
"""

from __future__ import annotations

import gc
import logging
import weakref
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.content import ExamContent
from medxam_desktop.domain.timing import HEARTBEAT_MS, Clock
from medxam_desktop.ui.candidate.countdown import Countdown
from medxam_desktop.ui.candidate.dialogs import ConfirmSubmitDialog
from medxam_desktop.ui.candidate.exam_bars import ActionBar, HeaderBar, SaveErrorBanner
from medxam_desktop.ui.candidate.exam_keys import bind_exam_keys
from medxam_desktop.ui.candidate.exam_session import ExamSession, SaveState
from medxam_desktop.ui.candidate.navigator import (
    HIGH_CONTRAST_COLOURS,
    NORMAL_COLOURS,
    ExamNavigatorModel,
    NavigatorView,
)
from medxam_desktop.ui.candidate.option_list import OptionList
from medxam_desktop.ui.candidate.proctor_follow import ProctorFollow
from medxam_desktop.ui.candidate.question_view import QuestionView
from medxam_desktop.ui.candidate.review_page import ReviewPage
from medxam_desktop.ui.candidate.store_port import ExamStore
from medxam_desktop.ui.widgets.announce import announce
from medxam_desktop.ui.widgets.naming import named
from medxam_desktop.ui.widgets.pin_dialog import PinDialog
from medxam_desktop.ui.widgets.themes import (
    BASE_POINT_SIZE,
    HIGH_CONTRAST,
    NORMAL,
    NORMAL_ZOOM,
    ZOOM_STEPS,
    zoom_step,
    zoomed_style_sheet,
)

log = logging.getLogger(__name__)

RECEIPT_POLL_MS = 2000

WARNING_SHOWN_MS = 20_000

#: attempt id -> its exam window in this process (the proctor's room view nudges it)
_OPEN_WINDOWS: weakref.WeakValueDictionary[str, ExamWindow] = weakref.WeakValueDictionary()


def exam_window_for(attempt_id: str) -> ExamWindow | None:
    """The exam window on screen for this attempt, if this process shows one."""
    window = _OPEN_WINDOWS.get(attempt_id)
    return window if window is not None and window.isVisible() else None


class ExamWindow(QMainWindow):
    exam_submitted = Signal(str, bool)  # attempt id, automatic
    closed_by_proctor = Signal(str)  # attempt id
    proctor_action_requested = Signal(str)  # "pause" | "resume", once a PIN was accepted
    announced = Signal(str)  # every screen-reader announcement, as sent

    def __init__(
        self,
        store: ExamStore,
        attempt_id: str,
        content: ExamContent,
        clock: Clock,
        *,
        verify_pin: Callable[[str], bool] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        named(self, "examWindow", f"Exam: {content.title}")
        self.setWindowTitle(content.title)
        self.content = content
        self.session = ExamSession(store, attempt_id, content)
        self.countdown = Countdown(clock, self)
        self.follow = ProctorFollow(self)
        self._verify_pin = verify_pin
        self._close_allowed = False
        self._pin_dialog: PinDialog | None = None
        self.confirm_dialog: ConfirmSubmitDialog | None = None
        self.theme = NORMAL
        self._zoom = NORMAL_ZOOM
        self._base_point_size = max(BASE_POINT_SIZE, self.font().pointSizeF())
        self._build()
        self._connect()
        self.keys = bind_exam_keys(self)
        self.heartbeat_timer = QTimer(self)
        self.heartbeat_timer.setObjectName("heartbeatTimer")
        self.heartbeat_timer.setInterval(HEARTBEAT_MS)
        self.heartbeat_timer.timeout.connect(self.session.heartbeat)
        # After submitting: look for the server's receipt (stored by a sync) every 2 s.
        self.receipt_timer = QTimer(self)
        self.receipt_timer.setObjectName("receiptTimer")
        self.receipt_timer.setInterval(RECEIPT_POLL_MS)
        self.receipt_timer.timeout.connect(self.session.look_for_receipt)
        self.receipt_code: str | None = None
        self._submitted_words = ""
        self._prepare_timer = QTimer(self)
        self._prepare_timer.setObjectName("prepareTimer")
        self._prepare_timer.setSingleShot(True)
        self._prepare_timer.setInterval(50)
        self._prepare_timer.timeout.connect(self._prepare_neighbours)
        self.set_theme(NORMAL)
        self._show_question(0)
        self.resize(1180, 780)
        _OPEN_WINDOWS[attempt_id] = self
        self.session.start()

    # -- building ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = HeaderBar(self.content.title, self)
        self.error_banner = SaveErrorBanner(self)
        self.time_warning = named(QLabel(self), "timeWarning", "Time warning")
        self.time_warning.hide()
        questions = self.session.questions  # in this attempt's order on screen
        self.navigator_model = ExamNavigatorModel([q.id for q in questions], self)
        self.navigator = NavigatorView(self)
        self.navigator.setModel(self.navigator_model)
        self.question_view = QuestionView(self.content.media, self)
        most = max((len(q.options) for q in questions), default=0)
        self.options = OptionList(most, self)
        self.actions_bar = ActionBar(self)
        exam_page = named(QWidget(self), "questionPage", "Question")
        page_layout = QVBoxLayout(exam_page)
        page_layout.addWidget(self.question_view, 1)
        page_layout.addWidget(self.options, 0)
        page_layout.addWidget(self.actions_bar)
        self.review_page = ReviewPage(self)
        self.finished_label = named(QLabel(self), "finishedMessage", "Exam submitted")
        self.paused_label = named(QLabel(self), "pausedMessage", "Exam paused")
        for label in (self.finished_label, self.paused_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
        self.pages = named(QStackedWidget(self), "examPages", "Exam")
        for page in (exam_page, self.review_page, self.finished_label, self.paused_label):
            self.pages.addWidget(page)
        self.exam_page = exam_page
        splitter = named(QSplitter(self), "examSplitter", "Exam")
        splitter.addWidget(self.navigator)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 920])
        central = named(QWidget(self), "examCentral", "Exam")
        layout = QVBoxLayout(central)
        layout.addWidget(self.header)
        layout.addWidget(self.error_banner)
        layout.addWidget(self.time_warning)
        layout.addWidget(splitter, 1)
        # In a scroll area: at a large zoom the exam scrolls instead of the window growing
        # past the screen (the window's minimum size no longer follows the content's).
        scroller = named(QScrollArea(self), "examScroller", "Exam")
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(central)
        self.setCentralWidget(scroller)

    def _connect(self) -> None:
        s = self.session
        s.loaded.connect(self._loaded)
        s.question_changed.connect(lambda _prev, row: self._show_question(row))
        s.question_state_changed.connect(self._question_state_changed)
        s.save_state_changed.connect(self._save_state_changed)
        s.write_failed.connect(self.error_banner.show_words)
        s.writes_recovered.connect(self.error_banner.hide)
        s.remaining_known.connect(self._remaining_known)
        s.attempt_read.connect(self.follow.attempt_read)
        s.submitted.connect(self._submitted)
        s.receipt_known.connect(self._receipt_known)
        s.submit_failed.connect(self.error_banner.show_words)
        self.countdown.ticked.connect(self.header.show_time_left)
        self.countdown.warned.connect(self._warn)
        self.countdown.expired.connect(self._time_up)
        self.options.chosen.connect(s.choose)
        self.options.strike_toggled.connect(s.toggle_strike)
        self.navigator.clicked.connect(lambda index: self.go_to(index.row()))
        a = self.actions_bar
        a.previous.clicked.connect(self.go_previous)
        a.next.clicked.connect(self.go_next)
        a.flag.clicked.connect(lambda _checked=False: s.toggle_flag())
        a.clear.clicked.connect(s.clear)
        h = self.header
        h.zoom_in.clicked.connect(lambda: self.zoom(+1))
        h.zoom_out.clicked.connect(lambda: self.zoom(-1))
        h.contrast.toggled.connect(lambda on: self.set_theme(HIGH_CONTRAST if on else NORMAL))
        h.review.clicked.connect(self.show_review)
        r = self.review_page
        r.go_to_requested.connect(self._review_go_to)
        r.back_requested.connect(self.show_questions)
        r.submit_requested.connect(self.ask_to_submit)
        self.error_banner.retry.clicked.connect(s.retry)

    # -- navigation -------------------------------------------------------------------------
    def go_to(self, row: int) -> bool:
        return self.session.go_to(row)

    def go_next(self) -> None:
        self.session.go_to(self.session.row + 1)

    def go_previous(self) -> None:
        self.session.go_to(self.session.row - 1)

    def _show_question(self, row: int) -> None:
        shown = self.session.shown[row]
        question, count = shown.question, len(self.session.questions)
        state = self.session.states[row]
        heading = self._heading(row)
        self.header.position.setText(heading)
        self.question_view.show_stem(question.id, question.stem, heading=heading)
        self.options.show_question(shown, answer=state.answer, struck=frozenset(state.struck))
        self.actions_bar.show_flag(state.flagged)
        self.actions_bar.previous.setEnabled(row > 0)
        self.actions_bar.next.setEnabled(row < count - 1)
        self.navigator_model.update_entry(row, seen=True)
        self.navigator_model.set_current(row)
        self.navigator.show_row(row)
        self._prepare_timer.start()
        focused = self.focusWidget()
        if focused is None or not focused.isVisible():
            self.options.move_focus(0)

    def _prepare_neighbours(self) -> None:
        """Idle time: make the next and previous stems ready to show."""
        questions = self.session.questions
        for row in (self.session.row + 1, self.session.row - 1):
            if 0 <= row < len(questions):
                question = questions[row]
                self.question_view.prepare(question.id, question.stem)

    def _question_state_changed(self, row: int) -> None:
        state = self.session.states[row]
        self.navigator_model.update_entry(
            row,
            answered=bool(state.answer),
            flagged=state.flagged,
            seen=state.seen,
            unsaved=row in self.session.unsaved_rows(),
        )
        if row == self.session.row:
            self.options.show_state(state.answer, frozenset(state.struck))
            self.actions_bar.show_flag(state.flagged)

    def choose_by_key(self, index: int) -> None:
        """A–E: the option shown with that letter (its own label is what is recorded)."""
        label = self.session.shown_question.label_for_key(index)
        if label is not None:
            self.session.choose(label)

    def strike_focused(self) -> None:
        label = self.options.focused_label()
        if label is not None:
            self.session.toggle_strike(label)

    # -- review and submit --------------------------------------------------------------------
    def show_review(self) -> None:
        if self.session.finished:
            return
        if self.session.blocked:
            self.session.write_failed.emit(self.error_banner.message.text())
            return
        self.review_page.show_states(self.session.states, self.session.unsaved_rows())
        self.pages.setCurrentWidget(self.review_page)
        self.header.position.setText("Review")

    def show_questions(self) -> None:
        if not self.session.finished:
            self.pages.setCurrentWidget(self.exam_page)
            self.header.position.setText(self._heading(self.session.row))

    def _heading(self, row: int) -> str:
        return f"Question {row + 1} of {len(self.session.questions)}"

    def _review_go_to(self, row: int) -> None:
        self.show_questions()
        self.go_to(row)

    def ask_to_submit(self) -> None:
        if self.session.finished or self.session.blocked:
            return
        states = self.session.states
        dialog = ConfirmSubmitDialog(
            self,
            unanswered=sum(1 for s in states if not s.answer),
            flagged=sum(1 for s in states if s.flagged),
        )
        dialog.accepted.connect(lambda: self.session.submit())
        dialog.finished.connect(self._confirm_closed)
        self.confirm_dialog = dialog
        dialog.open()

    def _confirm_closed(self) -> None:
        if self.confirm_dialog is not None:
            self.confirm_dialog.deleteLater()
            self.confirm_dialog = None
        self.activateWindow()  # keys go back to the exam (not every platform does this)

    def _submitted(self, automatic: bool) -> None:
        self.countdown.stop()
        self.heartbeat_timer.stop()
        self.error_banner.hide()
        self.time_warning.hide()
        self.header.time_left.hide()  # no frozen clock after the end
        self.header.position.setText("Submitted")
        why = "The time is up. " if automatic else ""
        self.finished_label.setText(
            f"<h2>{why}Your exam has been submitted.</h2><p>Please wait for the proctor.</p>"
        )
        self.pages.setCurrentWidget(self.finished_label)
        self.header.review.setEnabled(False)
        self._announce(self, f"{why}Your exam has been submitted.", urgent=True)
        self._submitted_words = f"<h2>{why}Your exam has been submitted.</h2>"
        self.receipt_timer.start()
        self.session.look_for_receipt()
        self.exam_submitted.emit(self.session.attempt_id, automatic)

    def _receipt_known(self, code: str) -> None:
        """The server holds every answer: show the candidate the proof (API.md receipts)."""
        self.receipt_timer.stop()
        self.receipt_code = code
        self.finished_label.setText(
            f"{self._submitted_words}<p>Your answers have reached the MedXam server.</p>"
            f"<p>Receipt code: <b>{code}</b></p><p>Please wait for the proctor.</p>"
        )
        self._announce(
            self, f"Your answers have reached the server. Receipt code {code}.", urgent=False
        )

    # -- time -------------------------------------------------------------------------------
    def _loaded(self, remaining_ms: int) -> None:
        for row in range(len(self.session.questions)):
            self._question_state_changed(row)
        self._show_question(self.session.row)
        self.options.move_focus(0)
        self.countdown.start(remaining_ms)
        self.heartbeat_timer.start()
        attempt = self.session.attempt
        if attempt is not None:
            self.header.show_candidate(attempt.candidate_number, attempt.full_name)
            self.follow.known_extension_ms = attempt.extension_ms
            self.follow.attempt_read(attempt)  # opened on a paused attempt: say so
        # Everything made so far (content, documents, widgets) lives the whole exam: keep
        # it out of the cyclic collector, whose full passes would stall a key press.
        gc.collect()
        gc.freeze()

    def _remaining_known(self, remaining_ms: int) -> None:
        if not self.session.finished and self.pages.currentWidget() is not self.paused_label:
            self.countdown.start(remaining_ms)

    def _warn(self, minutes: int) -> None:
        words = f"{minutes} minute{'s' if minutes != 1 else ''} left."
        self.time_warning.setText(words)
        self.time_warning.show()
        self._announce(self.header.time_left, words, urgent=minutes <= 1)
        QTimer.singleShot(WARNING_SHOWN_MS, self.time_warning.hide)

    def _time_up(self) -> None:
        self._announce(
            self.header.time_left, "The time is up. Your answers are being submitted.", urgent=True
        )
        if self.confirm_dialog is not None:
            self.confirm_dialog.reject()
        self.session.submit(automatic=True)

    def show_paused(self, reason: str = "", *, at: datetime | None = None) -> None:
        """The proctor paused the attempt (proctor_follow.py)."""
        self.follow.show_paused(reason, at=at)

    def show_resumed(self) -> None:
        """The proctor resumed: back where the candidate was (proctor_follow.py)."""
        self.follow.show_resumed()

    # -- view ---------------------------------------------------------------------------------
    def zoom(self, step: int) -> None:
        """+1 larger, -1 smaller, 0 back to normal."""
        self._zoom = zoom_step(self._zoom, step)
        self._apply_style()
        self.question_view.forget_documents()

    @property
    def zoom_factor(self) -> float:
        return ZOOM_STEPS[self._zoom]

    def set_theme(self, theme: str) -> None:
        self.theme = theme
        self._apply_style()
        high = theme == HIGH_CONTRAST
        self.navigator.delegate.colours = HIGH_CONTRAST_COLOURS if high else NORMAL_COLOURS
        self.navigator.viewport().update()
        if self.header.contrast.isChecked() != high:
            self.header.contrast.setChecked(high)

    def _apply_style(self) -> None:
        """The theme's sheet plus the zoomed font size (a style sheet stops setFont)."""
        self.setStyleSheet(zoomed_style_sheet(self.theme, self._base_point_size, self._zoom))

    def _save_state_changed(self, state: str) -> None:
        self.header.show_save_state(SaveState(state))

    def _announce(self, widget: QWidget, words: str, *, urgent: bool) -> None:
        """The only way the window speaks to a screen reader: thresholds, submit, pause."""
        announce(widget, words, urgent=urgent)
        self.announced.emit(words)

    # -- closing ------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if self._close_allowed or self.session.finished:
            self.countdown.stop()
            self.heartbeat_timer.stop()
            self.session.send_queued_now()  # the app's wait_for_all() then sees them through
            event.accept()
            return
        event.ignore()
        self.ask_for_pin()

    def close_for_proctor(self) -> None:
        """Close without a PIN: for the proctor's own console (terminate, end of session)."""
        self._close_allowed = True
        self.close()

    def ask_for_pin(self) -> None:
        if self._pin_dialog is None:
            self._pin_dialog = PinDialog(self)
            self._pin_dialog.pin_entered.connect(self._pin_entered)
        self._pin_dialog.open()

    def _pin_entered(self, pin: str) -> None:
        dialog = self._pin_dialog
        assert dialog is not None
        if self._verify_pin is not None and pin and self._verify_pin(pin):
            log.info("the proctor closed the exam window of attempt %s", self.session.attempt_id)
            self._close_allowed = True
            dialog.accept()
            self.closed_by_proctor.emit(self.session.attempt_id)
            self.close()
        else:
            log.warning("a wrong PIN was entered to close attempt %s", self.session.attempt_id)
            dialog.refuse()
