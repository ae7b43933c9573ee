"""Time accounting: remaining time, segments, suspends, crash recovery (with properties)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from medxam_desktop.domain.attempt import format_wire_time, records_digest
from medxam_desktop.domain.timing import (
    HEARTBEAT_MS,
    SUSPEND_GAP_MS,
    AttemptTime,
    FakeClock,
    Segment,
    SystemClock,
    downtime_ms,
    is_time_up,
)

MINUTE = 60_000


def test_time_runs_only_while_active_and_extensions_add() -> None:
    t = AttemptTime(duration_ms=10 * MINUTE).start(0)
    t, _ = t.checkpoint(4000)
    assert t.remaining_ms(4000) == 10 * MINUTE - 4000
    t, _ = t.stop(9000)
    assert t.used_ms == 9000 and t.remaining_ms(999_999) == 10 * MINUTE - 9000
    t = t.extend(5).start(100_000)
    assert t.remaining_ms(103_000) == 15 * MINUTE - 12_000


def test_segments_close_at_each_checkpoint_and_on_navigation() -> None:
    t = AttemptTime(duration_ms=MINUTE).start(0)
    t, none = t.show("q1", 0)
    assert none is None
    t, seg = t.checkpoint(HEARTBEAT_MS)
    assert seg == Segment("q1", 0, HEARTBEAT_MS)
    t, seg = t.show("q2", 7000)
    assert seg == Segment("q1", HEARTBEAT_MS, 7000)
    t, seg = t.stop(8000)
    assert seg == Segment("q2", 7000, 8000) and t.on_screen == "q2" and not t.running


def test_a_suspend_is_credited_not_counted() -> None:
    t = AttemptTime(duration_ms=MINUTE).start(0)
    t, _ = t.show("q1", 0)
    before = t.remaining_ms(3000)
    assert t.remaining_ms(3000 + SUSPEND_GAP_MS) == MINUTE  # the gap is a suspend
    t, seg = t.checkpoint(3600_000)
    assert seg is None and t.used_ms == 0 and before == MINUTE - 3000


def test_time_up_and_remaining_never_negative() -> None:
    t = AttemptTime(duration_ms=10_000).start(0)
    for now in range(0, 12_001, 4000):
        t, _ = t.checkpoint(now)
    assert t.remaining_ms(12_000) == 0 and is_time_up(t, 12_000)
    paused, _ = t.stop(12_000)
    assert not is_time_up(paused, 12_000)


def test_recover_counts_nothing_after_the_last_checkpoint() -> None:
    t = AttemptTime(duration_ms=MINUTE).start(0)
    t, _ = t.checkpoint(4000)
    recovered = t.recover()
    assert not recovered.running and recovered.used_ms == 4000
    wall = datetime(2026, 1, 1, tzinfo=UTC)
    assert downtime_ms(wall, wall + timedelta(seconds=90)) == 90_000
    assert downtime_ms(wall, wall - timedelta(hours=1)) == 0 and downtime_ms(None, wall) == 0


def test_clocks() -> None:
    clock = FakeClock()
    wall, mono = clock.wall(), clock.monotonic_ms()
    clock.jump_wall(-3600)
    assert clock.monotonic_ms() == mono and clock.wall() == wall - timedelta(hours=1)
    real = SystemClock()
    assert real.wall().tzinfo is not None and real.monotonic_ms() <= real.monotonic_ms()
    assert format_wire_time(datetime(2026, 11, 24, 9, 12, 3, 45_000, tzinfo=UTC)) == (
        "2026-11-24T09:12:03.045Z"
    )


def test_digest_rule() -> None:
    ids = ["6F1C1E4E-3C1E-4A3B-9D1B-1A2B3C4D5E6F", "0b8a0a6e-2f0c-4d2e-8e55-5b9c9f3f7a10"]
    import hashlib

    expected = hashlib.sha256("\n".join(i.lower() for i in ids).encode()).hexdigest()
    assert records_digest(ids) == expected
    assert records_digest([]) == hashlib.sha256(b"").hexdigest()


step = st.one_of(
    st.tuples(st.just("advance"), st.integers(0, 2 * HEARTBEAT_MS)),
    st.tuples(st.just("suspend"), st.integers(SUSPEND_GAP_MS + 1, 10 * 3600_000)),
    st.tuples(st.just("show"), st.sampled_from(["q1", "q2", "q3", None])),
    st.tuples(st.just("heartbeat"), st.just(0)),
    st.tuples(st.just("pause"), st.just(0)),
    st.tuples(st.just("resume"), st.just(0)),
    st.tuples(st.just("extend"), st.integers(1, 30)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(step, max_size=60))
def test_accounting_properties(steps: list[tuple[str, object]]) -> None:
    """Segments never overlap, their sum never exceeds active time, and time left is
    duration + extensions - active time, whatever happens in between."""
    now = 0
    t = AttemptTime(duration_ms=30 * MINUTE).start(now)
    segments: list[Segment] = []
    extensions = 0
    for action, value in steps:
        seg = None
        if action in ("advance", "suspend"):
            assert isinstance(value, int)
            now += value
            if action == "suspend" and t.running:
                assert t.used_at(now) == t.used_ms  # a suspend counts nothing
        elif action == "show":
            t, seg = t.show(value if isinstance(value, str) else None, now)
        elif action == "heartbeat":
            t, seg = t.checkpoint(now)
        elif action == "pause":
            t, seg = t.stop(now)
        elif action == "resume" and not t.running:
            t = t.start(now)
        elif action == "extend":
            assert isinstance(value, int)
            t, extensions = t.extend(value), extensions + value
        if seg is not None:
            segments.append(seg)
        assert t.remaining_ms(now) == max(0, 30 * MINUTE + extensions * MINUTE - t.used_at(now))
    t, seg = t.stop(now)
    if seg is not None:
        segments.append(seg)
    for earlier, later in itertools.pairwise(segments):
        assert earlier.end_ms <= later.start_ms
    assert all(s.duration_ms > 0 for s in segments)
    assert sum(s.duration_ms for s in segments) <= t.used_ms
