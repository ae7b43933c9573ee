"""Attempts through the Store: check-in, lifecycle evidence, time left, F8 and recovery."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.room import MAX_EXTENSION_MINUTES
from medxam_desktop.domain.timing import HEARTBEAT_MS, FakeClock
from medxam_desktop.errors import LifecycleError
from medxam_desktop.store import Store
from tests.desktop.sample_exam import (
    DELIVERY_ID,
    TAKER_IDS,
    package_bytes,
    question_ids,
    started_attempt,
)

HOUR_MS = 3_600_000
Q1, Q2 = question_ids(2)


def test_check_in_is_local_and_needs_package_and_roster(store: Store) -> None:
    with pytest.raises(LifecycleError):
        store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by="p-1")
    store.packages.save(package_bytes())
    view = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by="p-1")
    assert view.status is AttemptStatus.CHECKED_IN and view.full_name == "Ada Lovelace"
    assert view.remaining_ms == HOUR_MS and store.outbox.records() == []
    with pytest.raises(LifecycleError):
        store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by="p-1")
    with pytest.raises(LifecycleError):
        store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id="stranger", by="p-1")
    store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[1], by="p-1")
    assert [a.taker_id for a in store.attempts.list_for_delivery(DELIVERY_ID)] == list(TAKER_IDS)


def test_lifecycle_writes_records_and_evidence(store: Store, clock: FakeClock) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(1000)
    store.attempts.pause(attempt, by="p-1", reason="noise")
    with pytest.raises(LifecycleError):
        store.attempts.pause(attempt, by="p-1", reason="again")
    store.attempts.resume(attempt, by="p-2")
    store.attempts.extend(attempt, minutes=10, reason="late start", by="p-1")
    store.attempts.incident(attempt, category="noise", note="drill outside", by="p-1")
    view = store.attempts.terminate(attempt, reason="cheating", by="p-1")
    assert view.status is AttemptStatus.TERMINATED and view.finished_at is not None
    with pytest.raises(LifecycleError):
        store.attempts.resume(attempt, by="p-1")
    with pytest.raises(LifecycleError):
        store.attempts.extend(attempt, minutes=5, reason="too late", by="p-1")
    records = [(r.kind, dict(r.data)) for r in store.outbox.records()]
    assert records == [
        ("attempt.started", {"delivery_id": DELIVERY_ID, "taker_id": TAKER_IDS[0], "by": "p-1"}),
        ("attempt.paused", {"reason": "noise", "by": "p-1", "question_id": Q1}),
        ("attempt.resumed", {"by": "p-2", "question_id": Q1}),
        ("attempt.time_extended",
         {"minutes": 10, "reason": "late start", "by": "p-1", "question_id": Q1}),
        ("attempt.incident",
         {"category": "noise", "note": "drill outside", "by": "p-1", "question_id": Q1}),
        ("question.timed", {"question_id": Q1, "time_spent_ms": 1000}),
        ("attempt.terminated", {"reason": "cheating", "by": "p-1", "question_id": Q1}),
    ]  # fmt: skip
    steps = [(t.action, t.from_status, t.to_status, t.by, t.reason, t.question_id)
             for t in store.attempts.transitions(attempt)]  # fmt: skip
    s = AttemptStatus
    assert steps == [
        ("check_in", s.CHECKED_IN, s.CHECKED_IN, "p-1", None, None),
        ("start", s.CHECKED_IN, s.ACTIVE, "p-1", None, None),
        ("pause", s.ACTIVE, s.PAUSED, "p-1", "noise", Q1),
        ("resume", s.PAUSED, s.ACTIVE, "p-2", None, Q1),
        ("extend", s.ACTIVE, s.ACTIVE, "p-1", "late start", Q1),
        ("incident", s.ACTIVE, s.ACTIVE, "p-1", "noise", Q1),
        ("terminate", s.ACTIVE, s.TERMINATED, "p-1", "cheating", Q1),
    ]


def test_time_left_extension_and_time_up(store: Store, clock: FakeClock) -> None:
    store.packages.save(package_bytes(duration_minutes=1))
    attempt = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by=None).id
    store.attempts.start(attempt, by=None)
    for _ in range(10):
        clock.advance(HEARTBEAT_MS)
        store.answers.heartbeat(attempt)
    assert store.attempts.remaining_ms(attempt) == 10_000 and not store.attempts.time_up(attempt)
    clock.advance(HEARTBEAT_MS)
    store.answers.heartbeat(attempt)
    clock.advance(HEARTBEAT_MS)
    assert store.attempts.remaining_ms(attempt) == 0 and store.attempts.time_up(attempt)
    store.attempts.extend(attempt, minutes=2, reason="power cut", by="p-1")
    assert store.attempts.remaining_ms(attempt) == 120_000 and not store.attempts.time_up(attempt)
    finished = store.attempts.finish(attempt)
    assert finished.status is AttemptStatus.FINISHED and not store.attempts.time_up(attempt)


@pytest.mark.parametrize("jump_s", [3600, -3600])
def test_f8_wall_clock_jumps_change_nothing(store: Store, clock: FakeClock, jump_s: int) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(4000)
    store.answers.heartbeat(attempt)
    before = (store.attempts.remaining_ms(attempt), store.answers.current(attempt)[Q1])
    clock.jump_wall(jump_s)
    store.answers.heartbeat(attempt)
    assert (store.attempts.remaining_ms(attempt), store.answers.current(attempt)[Q1]) == before
    clock.advance(1000)
    saved = store.answers.save(attempt, question_id=Q1, answer=("A",), flagged=False)
    assert saved.time_spent_ms == 5000
    assert store.attempts.remaining_ms(attempt) == HOUR_MS - 5000


def test_f8_a_suspend_changes_nothing(store: Store, clock: FakeClock) -> None:
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q2)
    clock.advance(3000)
    store.answers.heartbeat(attempt)
    remaining = store.attempts.remaining_ms(attempt)
    clock.suspend(2 * HOUR_MS)  # the machine sleeps; no heartbeat runs
    assert store.attempts.remaining_ms(attempt) == remaining
    store.answers.heartbeat(attempt)  # first tick after waking
    assert store.attempts.remaining_ms(attempt) == remaining
    assert store.answers.current(attempt)[Q2].time_spent_ms == 3000


def test_recovery_after_restart_pauses_and_credits_downtime(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=clock)
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(4000)
    store.answers.save(attempt, question_id=Q1, answer=("E",), flagged=False)
    clock.advance(3000)  # not yet saved or heartbeated: lost from accounting, not from time
    store.close()  # the "crash": nobody paused the attempt
    clock.advance(90_000)
    again = Store.open(path, clock=clock)
    [recovered] = again.attempts.recover_after_restart()
    assert recovered.id == attempt and recovered.status is AttemptStatus.PAUSED
    assert recovered.last_downtime_ms == 93_000 == recovered.credited_downtime_ms
    assert recovered.remaining_ms == HOUR_MS - 4000 and recovered.used_ms == 4000
    last = again.outbox.records()[-1]
    assert last.kind == "attempt.paused" and "93 s" in str(last.data["reason"])
    assert last.data["question_id"] == Q1
    again.attempts.resume(attempt, by="p-1")
    clock.advance(2000)
    assert again.answers.save(attempt, question_id=Q1, answer=("E",), flagged=False).time_spent_ms
    assert again.answers.current(attempt)[Q1].time_spent_ms == 6000
    again.close()


def test_monotonic_clock_restart_keeps_the_timeline_increasing(tmp_path: Path) -> None:
    clock = FakeClock(monotonic_ms=10_000_000)
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=clock)
    attempt = started_attempt(store)
    store.answers.enter_question(attempt, question_id=Q1)
    clock.advance(5000)
    store.attempts.pause(attempt, by=None, reason="reboot")
    store.close()
    rebooted = FakeClock(monotonic_ms=1000, wall=clock.wall())
    again = Store.open(path, clock=rebooted)
    again.attempts.resume(attempt, by=None)
    rebooted.advance(2000)
    again.answers.heartbeat(attempt)
    assert again.answers.current(attempt)[Q1].time_spent_ms == 7000
    with again.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT start_ms, end_ms FROM time_segments ORDER BY id"
        ).all()
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(rows))
    again.close()


def test_extensions_are_capped_per_attempt(store: Store) -> None:
    """At most MAX_EXTENSION_MINUTES in all; one past it is refused and nothing recorded."""
    attempt = started_attempt(store)
    store.attempts.extend(attempt, minutes=MAX_EXTENSION_MINUTES - 5, reason="alarm", by="p-1")
    with pytest.raises(LifecycleError, match="at most 60 extra minutes"):
        store.attempts.extend(attempt, minutes=6, reason="more", by="p-1")
    assert store.attempts.get(attempt).extension_ms == (MAX_EXTENSION_MINUTES - 5) * 60_000
    store.attempts.extend(attempt, minutes=5, reason="last", by="p-1")
    kinds = [r.kind for r in store.outbox.records()]
    assert kinds.count("attempt.time_extended") == 2
