"""Answers through the Store: save, change, clear, flag, and time per question."""

from __future__ import annotations

import pytest

from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.errors import LifecycleError
from medxam_desktop.store import Store
from tests.desktop.sample_exam import question_ids, started_attempt

Q1, Q2, Q3 = question_ids(3)


def _answer_records(store: Store) -> list[dict[str, object]]:
    return [dict(r.data) for r in store.outbox.records() if r.kind == "answer.saved"]


def test_save_change_clear_and_flag(store: Store, clock: FakeClock) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(2000)
    first = store.answers.save(attempt, question_id=Q1, answer=("B",), flagged=False)
    assert (first.answer, first.time_spent_ms, first.flagged) == (("B",), 2000, False)
    clock.advance(1000)
    changed = store.answers.save(attempt, question_id=Q1, answer=("D", "A", "D"), flagged=False)
    assert changed.answer == ("A", "D") and changed.seq == first.seq + 1
    flagged = store.answers.set_flag(attempt, question_id=Q1, flagged=True)
    assert flagged.answer == ("A", "D") and flagged.flagged
    cleared = store.answers.save(attempt, question_id=Q1, answer=(), flagged=True)
    view = store.answers.current(attempt)[Q1]
    assert cleared.answer == () and view.answer == () and view.flagged and not view.answered
    assert view.time_spent_ms == 3000
    assert _answer_records(store) == [
        {"question_id": Q1, "answer": ["B"], "time_spent_ms": 2000, "flagged": False},
        {"question_id": Q1, "answer": ["A", "D"], "time_spent_ms": 3000, "flagged": False},
        {"question_id": Q1, "answer": ["A", "D"], "time_spent_ms": 3000, "flagged": True},
        {"question_id": Q1, "answer": [], "time_spent_ms": 3000, "flagged": True},
    ]


def test_time_per_question_counts_visits_and_leaving_writes_question_timed(
    store: Store, clock: FakeClock
) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(4000)
    store.answers.heartbeat(attempt)
    clock.advance(3000)
    store.answers.enter_question(attempt, question_id=Q2)  # leaves Q1 implicitly
    clock.advance(5000)
    store.answers.leave_question(attempt, question_id=Q2)
    clock.advance(9000)  # nothing on screen: counted for the attempt, not for a question
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(1000)
    store.answers.save(attempt, question_id=Q1, answer=("C",), flagged=False)
    current = store.answers.current(attempt)
    assert {q: v.time_spent_ms for q, v in current.items()} == {Q1: 8000, Q2: 5000}
    timed = [dict(r.data) for r in store.outbox.records() if r.kind == "question.timed"]
    assert timed == [
        {"question_id": Q1, "time_spent_ms": 7000},
        {"question_id": Q2, "time_spent_ms": 5000},
    ]
    assert store.attempts.get(attempt).used_ms == 22_000


def test_answers_only_while_active(store: Store) -> None:
    attempt = started_attempt(store)
    store.attempts.pause(attempt, by="p-1", reason="candidate unwell")
    with pytest.raises(LifecycleError):
        store.answers.save(attempt, question_id=Q1, answer=("A",), flagged=False)
    store.attempts.resume(attempt, by="p-1")
    store.answers.save(attempt, question_id=Q1, answer=("A",), flagged=False)
    store.attempts.finish(attempt)
    with pytest.raises(LifecycleError):
        store.answers.save(attempt, question_id=Q1, answer=("B",), flagged=False)
    with pytest.raises(LifecycleError):
        store.answers.enter_question(attempt, question_id=Q2)
    with pytest.raises(LifecycleError):
        store.answers.save("no-such-attempt", question_id=Q1, answer=("B",), flagged=False)
    assert store.answers.current(attempt)[Q1].answer == ("A",)


def test_a_paused_attempt_counts_no_time(store: Store, clock: FakeClock) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q3)
    clock.advance(2000)
    store.attempts.pause(attempt, by="p-1", reason="fire alarm")
    for _ in range(20):
        clock.advance(5000)
        store.answers.heartbeat(attempt)
    store.attempts.resume(attempt, by="p-1")
    clock.advance(1000)
    saved = store.answers.save(attempt, question_id=Q3, answer=("A",), flagged=False)
    assert saved.time_spent_ms == 3000
    assert store.attempts.get(attempt).used_ms == 3000
