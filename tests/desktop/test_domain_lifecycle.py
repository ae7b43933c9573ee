"""The attempt lifecycle: every allowed step, and every other one refused."""

from __future__ import annotations

import pytest

from medxam_desktop.domain.lifecycle import ACTIONS, TRANSITIONS, AttemptStatus, can, transition
from medxam_desktop.errors import LifecycleError

S = AttemptStatus
ALLOWED = {
    (S.CHECKED_IN, "start"): S.ACTIVE,
    (S.ACTIVE, "pause"): S.PAUSED,
    (S.PAUSED, "resume"): S.ACTIVE,
    (S.ACTIVE, "finish"): S.FINISHED,
    (S.PAUSED, "finish"): S.FINISHED,
    (S.CHECKED_IN, "terminate"): S.TERMINATED,
    (S.ACTIVE, "terminate"): S.TERMINATED,
    (S.PAUSED, "terminate"): S.TERMINATED,
    (S.ACTIVE, "recover"): S.PAUSED,
}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_status_and_action(status: AttemptStatus, action: str) -> None:
    expected = ALLOWED.get((status, action))
    assert can(status, action) is (expected is not None)
    if expected is None:
        with pytest.raises(LifecycleError):
            transition(status, action)
    else:
        assert transition(status, action) is expected


def test_table_matches_expectation_and_over_states_are_final() -> None:
    table = {(s, a): after for a, steps in TRANSITIONS.items() for s, after in steps.items()}
    assert table == ALLOWED
    assert S.FINISHED.is_over and S.TERMINATED.is_over and not S.PAUSED.is_over


def test_unknown_action_is_refused() -> None:
    with pytest.raises(LifecycleError):
        transition(S.ACTIVE, "explode")
