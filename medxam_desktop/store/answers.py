"""Answers, flags and time per question. ``save`` is the hot path: one durable
transaction holding the closed time segment, the answer and its ``answer.saved`` record."""

from __future__ import annotations

import json

from sqlalchemy import text

from medxam_desktop.domain.attempt import AnswerView, SavedAnswer, format_wire_time
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.errors import LifecycleError
from medxam_desktop.store.core import (
    StoreCore,
    append_record,
    insert_segment,
    load_state,
    record_segment,
    save_state,
    write_question_timed,
)

_UPSERT_ANSWER = (
    "INSERT INTO answers (attempt_id, question_id, answer, flagged, time_spent_ms, saved_at, seq)"
    " VALUES (:attempt, :question, :answer, :flagged, :ms, :at, :seq)"
    " ON CONFLICT (attempt_id, question_id) DO UPDATE SET answer = excluded.answer,"
    " flagged = excluded.flagged, time_spent_ms = time_spent_ms + excluded.time_spent_ms,"
    " saved_at = excluded.saved_at, seq = excluded.seq RETURNING time_spent_ms"
)
_ANSWER = text("SELECT answer FROM answers WHERE attempt_id = :attempt AND question_id = :question")
_CURRENT = text(
    "SELECT question_id, answer, flagged, time_spent_ms FROM answers WHERE attempt_id = :attempt"
)


class AnswerRepository:
    def __init__(self, core: StoreCore) -> None:
        self._core = core

    def save(
        self, attempt_id: str, *, question_id: str, answer: tuple[str, ...], flagged: bool
    ) -> SavedAnswer:
        """Durable before it returns: answer + time segment + ``answer.saved``, one commit.

        ``answer`` is the set of chosen option labels; ``()`` clears the answer."""
        chosen = sorted(set(answer))
        core = self._core
        with core.write_raw() as db:
            now, wall = core.now_ms(), core.wall()
            state = load_state(db, attempt_id)
            if state.status is not AttemptStatus.ACTIVE:
                raise LifecycleError(f"answers are saved only while active ({state.status})")
            state.time, segment = state.time.checkpoint(now)
            if state.time.on_screen is None:
                state.time, _ = state.time.show(question_id, now)
            own_ms = 0
            if segment is not None and segment.question_id == question_id:
                insert_segment(db, attempt_id, segment, wall)
                own_ms = segment.duration_ms
            else:
                record_segment(db, attempt_id, segment, wall)
            seq = state.next_seq
            params = {
                "attempt": attempt_id, "question": question_id, "answer": json.dumps(chosen),
                "flagged": flagged, "ms": own_ms, "at": format_wire_time(wall), "seq": seq,
            }  # fmt: skip
            spent = int(db.execute(_UPSERT_ANSWER, params).fetchone()[0])
            data = {
                "question_id": question_id,
                "answer": chosen,
                "time_spent_ms": spent,
                "flagged": flagged,
            }
            append_record(db, state, "answer.saved", data, wall)
            save_state(db, state, wall)
        return SavedAnswer(attempt_id, question_id, tuple(chosen), flagged, spent, seq, wall)

    def set_flag(self, attempt_id: str, *, question_id: str, flagged: bool) -> SavedAnswer:
        """Flag or unflag for review; sent as an ``answer.saved`` with the current answer."""
        with self._core.lock:
            with self._core.read() as connection:
                params = {"attempt": attempt_id, "question": question_id}
                raw = connection.execute(_ANSWER, params).scalar()
            current = tuple(json.loads(raw)) if raw else ()
            return self.save(attempt_id, question_id=question_id, answer=current, flagged=flagged)

    def enter_question(self, attempt_id: str, *, question_id: str) -> None:
        """``question_id`` is now on screen; a different one before it is left (timed)."""
        self._show(attempt_id, question_id, leaving=None)

    def leave_question(self, attempt_id: str, *, question_id: str) -> None:
        """The candidate leaves ``question_id``: its segment closes, ``question.timed`` written."""
        self._show(attempt_id, None, leaving=question_id)

    def heartbeat(self, attempt_id: str) -> None:
        """Close and reopen the open segment, so a crash loses at most a heartbeat."""
        core = self._core
        with core.write_raw() as db:
            now, wall = core.now_ms(), core.wall()
            state = load_state(db, attempt_id)
            if not state.time.running:
                return
            state.time, segment = state.time.checkpoint(now)
            record_segment(db, attempt_id, segment, wall)
            save_state(db, state, wall)

    def current(self, attempt_id: str) -> dict[str, AnswerView]:
        """question_id -> answer, flag and cumulative time, for every question touched."""
        with self._core.read() as connection:
            rows = connection.execute(_CURRENT, {"attempt": attempt_id}).all()
        return {
            row[0]: AnswerView(row[0], tuple(json.loads(row[1])), bool(row[2]), int(row[3]))
            for row in rows
        }

    def _show(self, attempt_id: str, question_id: str | None, *, leaving: str | None) -> None:
        core = self._core
        with core.write_raw() as db:
            now, wall = core.now_ms(), core.wall()
            state = load_state(db, attempt_id)
            if state.status.is_over:
                raise LifecycleError(f"the attempt is {state.status}")
            previous = state.time.on_screen
            state.time, segment = state.time.show(question_id, now)
            record_segment(db, attempt_id, segment, wall)
            left = [previous] if previous is not None and previous != question_id else []
            if leaving is not None and leaving not in left:
                left.append(leaving)
            for left_question in left:
                write_question_timed(db, state, left_question, wall)
            save_state(db, state, wall)
