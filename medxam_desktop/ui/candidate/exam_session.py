"""The candidate's exam, behind the window: local state and every store call.

Every store call is queued on the single store worker (``run_on_store``), in order, so
the UI never waits for the disk. A write that fails (``StoreWriteError``) marks its
question not saved and blocks moving on, submitting and reviewing until a retry writes
what the screen shows; "Saved" is reported only when every queued write returned.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from medxam_desktop.domain.content import ExamContent, Question
from medxam_desktop.domain.display_order import ShownQuestion, arrange
from medxam_desktop.errors import MedXamError, StoreWriteError, user_message
from medxam_desktop.ui.candidate.store_port import AnswerLike, AttemptLike, ExamStore
from medxam_desktop.ui.tasks import run_on_store

log = logging.getLogger(__name__)

# Store calls are handed to the worker this long after they were made, so that the
# worker (which holds the GIL while in Python) does not compete with the paint the key
# press asked for. "Saved" still appears only when the store returned.
HAND_OVER_MS = 20


class SaveState(StrEnum):
    IDLE = "idle"
    SAVING = "saving"
    SAVED = "saved"
    FAILED = "failed"


class WriteKind(StrEnum):
    ANSWER = "answer"  # answer and flag together
    FLAG = "flag"


@dataclass(slots=True)
class QuestionState:
    answer: tuple[str, ...] = ()
    flagged: bool = False
    seen: bool = False
    struck: set[str] = field(default_factory=set)


def words_for(error: Exception) -> str:
    """The plain words for a failed store call (a foreign error reads as a failed write)."""
    return user_message(error if isinstance(error, MedXamError) else StoreWriteError())


class ExamSession(QObject):
    loaded = Signal(int)  # remaining ms
    question_changed = Signal(int, int)  # previous row, new row
    question_state_changed = Signal(int)  # row whose answer, flag or strikes changed
    save_state_changed = Signal(str)  # a SaveState
    write_failed = Signal(str)  # the words to show
    writes_recovered = Signal()
    remaining_known = Signal(int)  # ms, from the store (after a heartbeat)
    attempt_read = Signal(object)  # the attempt as the store has it (after a heartbeat)
    submitted = Signal(bool)  # True when submitted automatically at time 0
    receipt_known = Signal(str)  # the server's receipt code, once a sync confirmed it
    submit_failed = Signal(str)

    def __init__(self, store: ExamStore, attempt_id: str, content: ExamContent) -> None:
        super().__init__()
        self._store = store
        self.attempt_id = attempt_id
        # Rows are positions on screen: this attempt's order (domain/display_order.py).
        self.shown: tuple[ShownQuestion, ...] = arrange(content, attempt_id)
        self.questions: tuple[Question, ...] = tuple(s.question for s in self.shown)
        self.states = [QuestionState() for _ in self.questions]
        self.row = 0
        self.attempt: AttemptLike | None = None  # the last read of the attempt
        self.is_loaded = False
        self.finished = False
        self.submitting = False
        self._pending = 0
        self._failed: dict[int, WriteKind] = {}
        self._time_failed = False
        self._heartbeat_queued = False
        self._answer_writes = 0
        self._saved_any = False
        self._outgoing: deque[
            tuple[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]]
        ] = deque()

    # -- state --------------------------------------------------------------------------
    @property
    def question(self) -> Question:
        return self.questions[self.row]

    @property
    def shown_question(self) -> ShownQuestion:
        return self.shown[self.row]

    @property
    def state(self) -> QuestionState:
        return self.states[self.row]

    @property
    def blocked(self) -> bool:
        """A write failed: the candidate may not move on until it is retried."""
        return bool(self._failed) or self._time_failed

    @property
    def idle(self) -> bool:
        """Nothing queued on the store (tests and benchmarks wait for this)."""
        return (
            self._pending == 0
            and not self._outgoing
            and not self._heartbeat_queued
            and not self.submitting
        )

    def unsaved_rows(self) -> frozenset[int]:
        return frozenset(self._failed)

    # -- loading ------------------------------------------------------------------------
    def start(self) -> None:
        """Read what is saved and where the candidate was (a resumed attempt opens at the
        question it left, not at question 1), note that question on screen, read the time."""
        questions, store, attempt_id = self.questions, self._store, self.attempt_id

        def load() -> tuple[Mapping[str, AnswerLike], AttemptLike, int]:
            saved = store.answers.current(attempt_id)
            was_on = store.attempts.get(attempt_id).current_question_id
            row = next((r for r, q in enumerate(questions) if q.id == was_on), 0)
            store.answers.enter_question(attempt_id, question_id=questions[row].id)
            return saved, store.attempts.get(attempt_id), row

        self._queue(load, self._loaded, time_write=True)

    def _loaded(self, result: tuple[Mapping[str, AnswerLike], AttemptLike, int]) -> None:
        saved, attempt, self.row = result
        for row, question in enumerate(self.questions):
            view = saved.get(question.id)
            if view is not None:
                state = self.states[row]
                state.answer, state.flagged = tuple(view.answer), view.flagged
                state.seen = bool(view.answer) or view.flagged or view.time_spent_ms > 0
        self.states[self.row].seen = True
        self._time_failed = False
        self.is_loaded = True
        self.attempt = attempt
        self.loaded.emit(attempt.remaining_ms)
        self._report()

    # -- candidate actions ----------------------------------------------------------------
    def go_to(self, row: int) -> bool:
        """Show another question; refused while a write has failed or before loading."""
        if not 0 <= row < len(self.questions) or row == self.row:
            return False
        if self.blocked or self.finished or not self.is_loaded:
            if self.blocked:
                self.write_failed.emit(words_for(StoreWriteError()))
            return False
        previous, self.row = self.row, row
        self.states[row].seen = True
        left, entered = self.questions[previous].id, self.questions[row].id

        def move() -> None:
            self._store.answers.leave_question(self.attempt_id, question_id=left)
            self._store.answers.enter_question(self.attempt_id, question_id=entered)

        self._queue(move, lambda _r: None, time_write=True)
        self.question_changed.emit(previous, row)
        return True

    def choose(self, label: str) -> None:
        """A–E or a click: single choice replaces, multiple choice toggles.

        ``label`` is the option's own label (never the letter on screen); a multiple
        answer keeps the package's option order, whatever order the screen shows."""
        if self.finished or not self.is_loaded or label not in self.question.labels:
            return
        state = self.state
        if self.question.allows_several:
            chosen = set(state.answer) ^ {label}
            answer = tuple(x for x in self.question.labels if x in chosen)
        else:
            answer = (label,)
        self._set_answer(answer)

    def clear(self) -> None:
        if self.state.answer and not self.finished and self.is_loaded:
            self._set_answer(())

    def toggle_flag(self) -> None:
        if self.finished or not self.is_loaded:
            return
        self.state.flagged = not self.state.flagged
        self.question_state_changed.emit(self.row)
        self._write(self.row, WriteKind.FLAG)

    def toggle_strike(self, label: str) -> None:
        """Visual only: never written, never an answer."""
        if label in self.question.labels:
            self.state.struck ^= {label}
            self.question_state_changed.emit(self.row)

    def _set_answer(self, answer: tuple[str, ...]) -> None:
        if answer == self.state.answer:
            self.question_state_changed.emit(self.row)  # re-sync a button Qt toggled
            return
        self.state.answer = answer
        self.question_state_changed.emit(self.row)
        self._write(self.row, WriteKind.ANSWER)

    # -- writes ---------------------------------------------------------------------------
    def _write(self, row: int, kind: WriteKind) -> None:
        question_id = self.questions[row].id
        answer, flagged = self.states[row].answer, self.states[row].flagged
        answers = self._store.answers

        def write() -> object:
            if kind is WriteKind.ANSWER:
                return answers.save(
                    self.attempt_id, question_id=question_id, answer=answer, flagged=flagged
                )
            return answers.set_flag(self.attempt_id, question_id=question_id, flagged=flagged)

        def written(_result: object) -> None:
            self._answer_writes -= 1
            self._saved_any = True
            state = self.states[row]
            if kind is WriteKind.ANSWER:
                on_disk = state.answer == answer and state.flagged == flagged
            else:
                on_disk = self._failed.get(row) is WriteKind.FLAG and state.flagged == flagged
            if on_disk and self._failed.pop(row, None) is not None:
                self.question_state_changed.emit(row)

        def failed(_error: Exception) -> None:
            self._answer_writes -= 1
            if self._failed.get(row) is not WriteKind.ANSWER:
                self._failed[row] = kind
            self.question_state_changed.emit(row)

        self._answer_writes += 1
        self._queue(write, written, on_failed=failed)

    def retry(self) -> None:
        """Write again what the screen shows for every question whose write failed."""
        for row, kind in sorted(self._failed.items()):
            self._write(row, kind)
        if self._time_failed:
            if not self.is_loaded:
                self.start()
                return
            question_id = self.question.id

            def note() -> None:
                self._store.answers.enter_question(self.attempt_id, question_id=question_id)

            self._queue(note, self._time_written, time_write=True)

    def _time_written(self, _result: object) -> None:
        self._time_failed = False

    def heartbeat(self) -> None:
        """Close and reopen the time segment (at most 5 s lost in a crash); re-read the
        attempt (time left, and a pause, resume or extension the proctor made)."""
        if self.finished or not self.is_loaded or self._heartbeat_queued:
            return

        def beat() -> AttemptLike:
            self._store.answers.heartbeat(self.attempt_id)
            return self._store.attempts.get(self.attempt_id)

        self._heartbeat_queued = True

        def done(attempt: AttemptLike) -> None:
            self._heartbeat_queued = False
            self.attempt = attempt
            self.attempt_read.emit(attempt)
            self.remaining_known.emit(attempt.remaining_ms)

        def failed(_error: Exception) -> None:
            self._heartbeat_queued = False

        self._queue(beat, done, on_failed=failed, time_write=True)

    # -- submitting -----------------------------------------------------------------------
    def submit(self, *, automatic: bool = False) -> bool:
        """Finish the attempt; at time 0 the store is asked first whether time is really up."""
        if self.finished or self.submitting or (self.blocked and not automatic):
            if self.blocked and not automatic:
                self.write_failed.emit(words_for(StoreWriteError()))
            return False
        self.submitting = True
        question_id = self.question.id
        store = self._store

        def finish() -> int | None:
            if automatic:
                store.answers.heartbeat(self.attempt_id)
                remaining = store.attempts.remaining_ms(self.attempt_id)
                if remaining > 0:
                    return remaining  # time was credited (suspend, downtime): not yet
            store.answers.leave_question(self.attempt_id, question_id=question_id)
            store.attempts.finish(self.attempt_id)
            return None

        def done(result: int | None) -> None:
            self.submitting = False
            if result is not None:
                self.remaining_known.emit(result)
                return
            self.finished = True
            log.info("attempt %s submitted (automatic=%s)", self.attempt_id, automatic)
            self.submitted.emit(automatic)

        def failed(error: Exception) -> None:
            self.submitting = False
            self.submit_failed.emit(words_for(error))

        self._send(finish, done, failed)
        return True

    # -- plumbing -------------------------------------------------------------------------
    def _queue(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None],
        *,
        on_failed: Callable[[Exception], None] | None = None,
        time_write: bool = False,
    ) -> None:
        self._pending += 1
        self._report()

        def done(result: Any) -> None:
            self._pending -= 1
            was_blocked = self.blocked
            on_done(result)
            if was_blocked and not self.blocked:
                self.writes_recovered.emit()
            self._report()

        def failed(error: Exception) -> None:
            self._pending -= 1
            log.error(
                "a store write for attempt %s failed: %s", self.attempt_id, type(error).__name__
            )
            if time_write:
                self._time_failed = True
            if on_failed is not None:
                on_failed(error)
            self.write_failed.emit(words_for(error))
            self._report()

        self._send(job, done, failed)

    def _send(
        self,
        job: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        """Hand ``job`` to the store worker once the event loop is back (after the paint the
        candidate's key press asked for), keeping the order in which calls were made."""
        self._outgoing.append((job, on_done, on_error))
        if len(self._outgoing) == 1:
            QTimer.singleShot(HAND_OVER_MS, self._flush)

    def look_for_receipt(self) -> None:
        """Ask the store whether the server confirmed this attempt (a sync stores the
        receipt code when the receipt says ``complete``); ``receipt_known`` if so."""
        store, attempt_id = self._store, self.attempt_id

        def found(code: str | None) -> None:
            if code:
                self.receipt_known.emit(code)

        run_on_store(
            lambda: store.attempts.get(attempt_id).receipt_code,
            on_done=found,
            on_error=lambda _error: None,  # asked again on the next tick
            owner=self,
        )

    def send_queued_now(self) -> None:
        """Hand every queued call to the store worker without waiting (tests, shutdown)."""
        self._flush()

    def _flush(self) -> None:
        while self._outgoing:
            job, on_done, on_error = self._outgoing.popleft()
            run_on_store(job, on_done=on_done, on_error=on_error)

    def save_state(self) -> SaveState:
        """What the save indicator shows; SAVED only once every answer write returned."""
        if self.blocked:
            return SaveState.FAILED
        if self._answer_writes:
            return SaveState.SAVING
        return SaveState.SAVED if self._saved_any else SaveState.IDLE

    def _report(self) -> None:
        self.save_state_changed.emit(self.save_state())
