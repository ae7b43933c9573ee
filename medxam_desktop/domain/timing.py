"""Time accounting on a monotonic clock.

Time left = duration + extensions - active time used. Active time accrues only while the
attempt is ACTIVE, between *checkpoints* (every navigation, answer, and a heartbeat at
least every ``HEARTBEAT_S``), measured on the monotonic clock, so a wall-clock jump
changes nothing. A gap between two checkpoints longer than ``SUSPEND_GAP_MS`` means the
program was not running (machine suspended, process frozen): that gap is credited to
the candidate, not counted. A crash loses at most the time since the last checkpoint,
and that too is credited (never counted).

Per-question time is a series of closed segments (question_id, start_ms, end_ms); a
segment always starts at the attempt's last checkpoint, so segments never overlap and
their sum never exceeds the active time used.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

HEARTBEAT_S = 5
HEARTBEAT_MS = HEARTBEAT_S * 1000
SUSPEND_GAP_MS = 6 * HEARTBEAT_MS


class Clock(Protocol):
    def monotonic_ms(self) -> int: ...

    def wall(self) -> datetime: ...  # UTC aware


class SystemClock:
    """The real clocks: ``time.monotonic_ns`` and the UTC wall clock."""

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def wall(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock tests move by hand: ``advance`` (time passes), ``jump_wall`` (clock set)."""

    def __init__(self, *, monotonic_ms: int = 1_000_000, wall: datetime | None = None) -> None:
        self._mono = monotonic_ms
        self._wall = wall or datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def monotonic_ms(self) -> int:
        return self._mono

    def wall(self) -> datetime:
        return self._wall

    def advance(self, ms: int) -> None:
        self._mono += ms
        self._wall += timedelta(milliseconds=ms)

    def jump_wall(self, seconds: float) -> None:
        self._wall += timedelta(seconds=seconds)

    def suspend(self, ms: int) -> None:
        """The machine sleeps: the monotonic and wall clocks move, nothing else runs."""
        self.advance(ms)


def counted_gap(checkpoint_ms: int, now_ms: int) -> int:
    """How much of the time since the last checkpoint is candidate time."""
    gap = now_ms - checkpoint_ms
    if gap <= 0 or gap > SUSPEND_GAP_MS:
        return 0
    return gap


@dataclass(frozen=True, slots=True)
class Segment:
    question_id: str
    start_ms: int
    end_ms: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True, slots=True)
class AttemptTime:
    """What the store keeps of an attempt's time; every method returns a new value."""

    duration_ms: int
    extension_ms: int = 0
    used_ms: int = 0
    checkpoint_ms: int | None = None  # set while ACTIVE: the monotonic time last folded in
    on_screen: str | None = None  # the question whose segment is open (while ACTIVE)

    @property
    def allowed_ms(self) -> int:
        return self.duration_ms + self.extension_ms

    @property
    def running(self) -> bool:
        return self.checkpoint_ms is not None

    def used_at(self, now_ms: int) -> int:
        if self.checkpoint_ms is None:
            return self.used_ms
        return self.used_ms + counted_gap(self.checkpoint_ms, now_ms)

    def remaining_ms(self, now_ms: int) -> int:
        return max(0, self.allowed_ms - self.used_at(now_ms))

    def checkpoint(self, now_ms: int) -> tuple[AttemptTime, Segment | None]:
        """Fold the time since the last checkpoint in; close the open segment (if any)."""
        if self.checkpoint_ms is None:
            return self, None
        gap = counted_gap(self.checkpoint_ms, now_ms)
        segment = None
        if self.on_screen is not None and gap > 0:
            segment = Segment(self.on_screen, self.checkpoint_ms, self.checkpoint_ms + gap)
        return replace(self, used_ms=self.used_ms + gap, checkpoint_ms=now_ms), segment

    def start(self, now_ms: int) -> AttemptTime:
        """Active time starts to run (start, resume)."""
        return replace(self, checkpoint_ms=now_ms)

    def stop(self, now_ms: int) -> tuple[AttemptTime, Segment | None]:
        """Active time stops (pause, finish, terminate); the question stays noted."""
        folded, segment = self.checkpoint(now_ms)
        return replace(folded, checkpoint_ms=None), segment

    def show(self, question_id: str | None, now_ms: int) -> tuple[AttemptTime, Segment | None]:
        """Another question is on screen (or none): close the old segment, open a new one."""
        folded, segment = self.checkpoint(now_ms)
        return replace(folded, on_screen=question_id), segment

    def extend(self, minutes: int) -> AttemptTime:
        return replace(self, extension_ms=self.extension_ms + minutes * 60_000)

    def recover(self) -> AttemptTime:
        """After a crash: stop without counting anything since the last checkpoint."""
        return replace(self, checkpoint_ms=None)


def is_time_up(time_state: AttemptTime, now_ms: int) -> bool:
    """Automatic submission is due: the attempt is running and no time is left."""
    return time_state.running and time_state.remaining_ms(now_ms) <= 0


def downtime_ms(last_seen: datetime | None, now: datetime) -> int:
    """Wall-clock time between the last checkpoint and now, as reported to the proctor."""
    if last_seen is None:
        return 0
    return max(0, int((now - last_seen).total_seconds() * 1000))


def format_time_left(remaining_ms: int) -> str:
    """``1:02:03`` or ``14:59``; rounded up, so "0:00" means the time is really over."""
    seconds = max(0, (remaining_ms + 999) // 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
