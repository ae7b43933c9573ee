"""The attempt lifecycle: checked_in -> active <-> paused -> finished, or terminated.

Every transition is kept as a ``Transition`` record: who, when, which question was on
screen, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from medxam_desktop.errors import LifecycleError


class AttemptStatus(StrEnum):
    CHECKED_IN = "checked_in"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    TERMINATED = "terminated"

    @property
    def is_over(self) -> bool:
        return self in (AttemptStatus.FINISHED, AttemptStatus.TERMINATED)


_S = AttemptStatus

#: action -> {from status: to status}
TRANSITIONS: dict[str, dict[AttemptStatus, AttemptStatus]] = {
    "start": {_S.CHECKED_IN: _S.ACTIVE},
    "pause": {_S.ACTIVE: _S.PAUSED},
    "resume": {_S.PAUSED: _S.ACTIVE},
    "finish": {_S.ACTIVE: _S.FINISHED, _S.PAUSED: _S.FINISHED},
    "terminate": {_S.CHECKED_IN: _S.TERMINATED, _S.ACTIVE: _S.TERMINATED, _S.PAUSED: _S.TERMINATED},
    "recover": {_S.ACTIVE: _S.PAUSED},
}

ACTIONS = tuple(TRANSITIONS)


def transition(current: AttemptStatus, action: str) -> AttemptStatus:
    """The status after ``action``; ``LifecycleError`` if the action is not allowed now."""
    allowed = TRANSITIONS.get(action)
    if allowed is None:
        raise LifecycleError(f"unknown action {action!r}")
    after = allowed.get(AttemptStatus(current))
    if after is None:
        raise LifecycleError(f"cannot {action} an attempt that is {AttemptStatus(current).value}")
    return after


def can(current: AttemptStatus, action: str) -> bool:
    return AttemptStatus(current) in TRANSITIONS.get(action, {})


@dataclass(frozen=True, slots=True)
class Transition:
    """One lifecycle step as evidence: who, when, on which question, and why."""

    attempt_id: str
    action: str
    from_status: AttemptStatus
    to_status: AttemptStatus
    at: datetime  # wall clock, evidence only
    by: str | None = None
    question_id: str | None = None
    reason: str | None = None
