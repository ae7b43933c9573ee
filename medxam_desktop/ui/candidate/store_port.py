"""What the exam window needs from the Store, as structural types.

The real ``medxam_desktop.store.Store`` satisfies ``ExamStore``; the window depends on
nothing else, and every call goes through ``ui.tasks.run_on_store``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol


class AnswerLike(Protocol):
    """One question's saved state (``domain.attempt.AnswerView``)."""

    @property
    def answer(self) -> tuple[str, ...]: ...
    @property
    def flagged(self) -> bool: ...
    @property
    def time_spent_ms(self) -> int: ...


class AnswersPort(Protocol):
    def save(
        self, attempt_id: str, *, question_id: str, answer: tuple[str, ...], flagged: bool
    ) -> object: ...
    def set_flag(self, attempt_id: str, *, question_id: str, flagged: bool) -> object: ...
    def enter_question(self, attempt_id: str, *, question_id: str) -> None: ...
    def leave_question(self, attempt_id: str, *, question_id: str) -> None: ...
    def heartbeat(self, attempt_id: str) -> None: ...
    def current(self, attempt_id: str) -> Mapping[str, AnswerLike]: ...


class AttemptLike(Protocol):
    """The part of ``domain.attempt.AttemptView`` the exam window reads."""

    @property
    def receipt_code(self) -> str | None: ...
    @property
    def status(self) -> str: ...  # an AttemptStatus (a str enum)
    @property
    def remaining_ms(self) -> int: ...
    @property
    def extension_ms(self) -> int: ...
    @property
    def current_question_id(self) -> str | None: ...
    @property
    def paused_at(self) -> datetime | None: ...


class AttemptsPort(Protocol):
    def remaining_ms(self, attempt_id: str) -> int: ...
    def get(self, attempt_id: str) -> AttemptLike: ...
    def finish(self, attempt_id: str, *, by: str | None = None) -> object: ...


class ExamStore(Protocol):
    @property
    def answers(self) -> AnswersPort: ...
    @property
    def attempts(self) -> AttemptsPort: ...


class MonotonicClock(Protocol):
    """The part of ``domain.timing.Clock`` the countdown reads."""

    def monotonic_ms(self) -> int: ...
