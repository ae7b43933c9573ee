"""What every repository shares: the connection under one lock, error translation, the
store's monotonic timeline, the outbox append, and the attempt's time state."""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from medxam_desktop.domain.attempt import format_wire_time
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.timing import AttemptTime, Clock, Segment
from medxam_desktop.errors import LifecycleError, StoreError, StoreWriteError

log = logging.getLogger(__name__)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def describe(exc: BaseException) -> str:
    """Plain words for why SQLite refused, for the proctor (never any answer text)."""
    message = str(getattr(exc, "orig", exc)).lower()
    if "full" in message:
        return "The disk is full."
    if "readonly" in message or "read-only" in message or "permission" in message:
        return "The store is read-only."
    if "locked" in message or "busy" in message:
        return "The store is locked by another program."
    return "The disk could not be written (input/output error)."


class StoreCore:
    """The one connection, its lock and the clock; handed to every repository."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self.lock = threading.RLock()
        self.mono_offset = 0
        self.workstation_id = ""
        self._pooled: Any = None
        self._raw: sqlite3.Connection | None = None
        # Called (on the writing thread) after a write commits, e.g. to wake the pusher.
        self.write_listeners: list[Callable[[], None]] = []

    def now_ms(self) -> int:
        """Monotonic ms on the store's timeline, which never runs backwards across restarts."""
        return self.clock.monotonic_ms() + self.mono_offset

    def wall(self) -> datetime:
        return self.clock.wall()

    @contextmanager
    def write(self, *, notify: bool = True) -> Iterator[Connection]:
        """One durable transaction (BEGIN IMMEDIATE ... COMMIT); StoreWriteError if refused.

        ``notify=False`` for the sync bookkeeping, which must not wake the pusher."""
        with self.lock:
            try:
                with self.engine.begin() as connection:
                    yield connection
            except (DBAPIError, sqlite3.Error, OSError) as exc:
                log.error("store write failed: %s", type(exc).__name__)
                raise StoreWriteError(describe(exc)) from exc
        if notify:
            self.notify_written()

    def notify_written(self) -> None:
        for listener in self.write_listeners:
            try:
                listener()
            except Exception:  # a listener never undoes a committed write
                log.exception("write listener failed")

    @contextmanager
    def write_raw(self) -> Iterator[sqlite3.Connection]:
        """``write`` on the bare sqlite3 connection: the hot path (saving an answer)."""
        with self.lock:
            if self._raw is None:
                self._pooled = self.engine.raw_connection()
                self._raw = self._pooled.driver_connection
            db = self._raw
            assert db is not None
            try:
                db.execute("BEGIN IMMEDIATE")
                yield db
                db.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                _rollback(db)
                log.error("store write failed: %s", type(exc).__name__)
                raise StoreWriteError(describe(exc)) from exc
            except BaseException:
                _rollback(db)
                raise
        if self.write_listeners:
            self.notify_written()

    def close(self) -> None:
        with self.lock:
            if self._pooled is not None:
                self._pooled.close()
            self._pooled = self._raw = None
            self.engine.dispose()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.lock:
            try:
                with self.engine.connect() as connection:
                    connection.execution_options(read_only=True)
                    yield connection
            except (DBAPIError, OSError) as exc:
                log.error("store read failed: %s", type(exc).__name__)
                raise StoreError(describe(exc)) from exc


def _rollback(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")


def raw(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under a SQLAlchemy one, in the same transaction."""
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


_STATE = (
    "SELECT status, duration_ms, extension_ms, used_ms, checkpoint_ms, on_screen,"
    " (SELECT coalesce(max(seq), 0) + 1 FROM outbox) FROM attempts WHERE id = :id"
)
_SAVE_STATE = (
    "UPDATE attempts SET status = :status, used_ms = :used, extension_ms = :extension,"
    " checkpoint_ms = :checkpoint, checkpoint_wall = :wall, on_screen = :on_screen"
    " WHERE id = :id"
)
_SEGMENT = (
    "INSERT INTO time_segments (attempt_id, question_id, start_ms, end_ms, ended_at)"
    " VALUES (:attempt, :question, :start, :end, :wall)"
)
_ADD_TIME = (
    "INSERT INTO answers (attempt_id, question_id, answer, flagged, time_spent_ms)"
    " VALUES (:attempt, :question, '[]', 0, :ms) ON CONFLICT (attempt_id, question_id)"
    " DO UPDATE SET time_spent_ms = time_spent_ms + excluded.time_spent_ms"
    " RETURNING time_spent_ms"
)
_APPEND = (
    "INSERT INTO outbox (seq, id, attempt_id, kind, at, data, state, verified)"
    " VALUES (:seq, :id, :attempt, :kind, :at, :data, 'pending', 0)"
)


@dataclass(slots=True)
class AttemptState:
    """An attempt's status and time, read inside a write transaction."""

    attempt_id: str
    status: AttemptStatus
    time: AttemptTime
    next_seq: int


def load_state(db: sqlite3.Connection, attempt_id: str) -> AttemptState:
    row = db.execute(_STATE, {"id": attempt_id}).fetchone()
    if row is None:
        raise LifecycleError("no such attempt on this workstation")
    time_state = AttemptTime(
        duration_ms=row[1], extension_ms=row[2], used_ms=row[3], checkpoint_ms=row[4],
        on_screen=row[5],
    )  # fmt: skip
    return AttemptState(attempt_id, AttemptStatus(row[0]), time_state, row[6])


def save_state(db: sqlite3.Connection, state: AttemptState, wall: datetime) -> None:
    t = state.time
    db.execute(
        _SAVE_STATE,
        {
            "id": state.attempt_id, "status": state.status.value, "used": t.used_ms,
            "extension": t.extension_ms, "checkpoint": t.checkpoint_ms,
            "wall": format_wire_time(wall), "on_screen": t.on_screen,
        },
    )  # fmt: skip


def insert_segment(
    db: sqlite3.Connection, attempt_id: str, segment: Segment, wall: datetime
) -> None:
    db.execute(
        _SEGMENT,
        {
            "attempt": attempt_id, "question": segment.question_id, "start": segment.start_ms,
            "end": segment.end_ms, "wall": format_wire_time(wall),
        },
    )  # fmt: skip


def record_segment(
    db: sqlite3.Connection, attempt_id: str, segment: Segment | None, wall: datetime
) -> None:
    """Keep a closed segment and add it to its question's cumulative time."""
    if segment is None:
        return
    insert_segment(db, attempt_id, segment, wall)
    question_time(db, attempt_id, segment.question_id, segment.duration_ms)


def question_time(db: sqlite3.Connection, attempt_id: str, question_id: str, add_ms: int) -> int:
    """The question's cumulative time after adding ``add_ms`` (creating its row if needed)."""
    params = {"attempt": attempt_id, "question": question_id, "ms": add_ms}
    return int(db.execute(_ADD_TIME, params).fetchone()[0])


def append_record(
    db: sqlite3.Connection,
    state: AttemptState,
    kind: str,
    data: Mapping[str, Any],
    wall: datetime,
) -> tuple[int, str]:
    """Append one outbox record (seq = the next gapless number); returns (seq, id)."""
    record_id = str(uuid.uuid4())
    seq = state.next_seq
    db.execute(
        _APPEND,
        {
            "seq": seq, "id": record_id, "attempt": state.attempt_id, "kind": kind,
            "at": format_wire_time(wall), "data": canonical_json(dict(data)),
        },
    )  # fmt: skip
    state.next_seq += 1
    return seq, record_id


def write_question_timed(
    db: sqlite3.Connection, state: AttemptState, question_id: str, wall: datetime
) -> None:
    """``question.timed`` with the question's cumulative time so far."""
    spent = question_time(db, state.attempt_id, question_id, 0)
    data = {"question_id": question_id, "time_spent_ms": spent}
    append_record(db, state, "question.timed", data, wall)
