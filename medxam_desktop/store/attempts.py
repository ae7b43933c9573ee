"""Attempts: check-in, the lifecycle with its outbox records, time left, crash recovery."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, literal_column, select, text, update

from medxam_desktop.domain.attempt import AttemptView, records_digest
from medxam_desktop.domain.lifecycle import AttemptStatus, Transition, transition
from medxam_desktop.domain.room import MAX_EXTENSION_MINUTES
from medxam_desktop.domain.timing import AttemptTime, downtime_ms, is_time_up
from medxam_desktop.errors import LifecycleError
from medxam_desktop.store import models
from medxam_desktop.store.core import (
    AttemptState,
    StoreCore,
    append_record,
    load_state,
    raw,
    record_segment,
    save_state,
    write_question_timed,
)

log = logging.getLogger(__name__)

_ATTEMPTS = models.ATTEMPTS
_TRANSITIONS = models.TRANSITIONS
_RECORD_IDS = text("SELECT id FROM outbox WHERE attempt_id = :attempt ORDER BY seq")

#: lifecycle action -> the outbox record it writes
_KINDS = {
    "start": "attempt.started",
    "pause": "attempt.paused",
    "resume": "attempt.resumed",
    "terminate": "attempt.terminated",
    "finish": "attempt.finished",
    "recover": "attempt.paused",
}


class AttemptRepository:
    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self._recovered: list[str] = []

    # --- lifecycle ------------------------------------------------------------------

    def check_in(self, *, delivery_id: str, taker_id: str, by: str | None) -> AttemptView:
        """Local only: the candidate is at the workstation; no outbox record yet."""
        core = self._core
        with core.write() as connection:
            package = connection.execute(
                select(models.PACKAGES).where(models.Package.delivery_id == delivery_id)
            ).first()
            if package is None:
                raise LifecycleError("this delivery's package is not on this workstation")
            entry = next((r for r in package.roster if r["taker_id"] == taker_id), None)
            if entry is None:
                raise LifecycleError("this candidate is not on the delivery's roster")
            live = connection.execute(
                select(_ATTEMPTS.c.id).where(
                    _ATTEMPTS.c.delivery_id == delivery_id,
                    _ATTEMPTS.c.taker_id == taker_id,
                    _ATTEMPTS.c.status.not_in(["finished", "terminated"]),
                )
            ).first()
            if live is not None:
                raise LifecycleError("this candidate is already checked in")
            attempt_id, wall = str(uuid.uuid4()), core.wall()
            connection.execute(
                insert(_ATTEMPTS).values(
                    id=attempt_id, delivery_id=delivery_id, exam_id=package.exam_id,
                    taker_id=taker_id, candidate_number=entry["candidate_number"],
                    full_name=entry["full_name"], status=AttemptStatus.CHECKED_IN.value,
                    duration_ms=package.duration_minutes * 60_000, extension_ms=0, used_ms=0,
                    checked_in_at=wall, checked_in_by=by, credited_downtime_ms=0,
                    last_downtime_ms=0,
                )
            )  # fmt: skip
            _evidence(connection, attempt_id, "check_in", None, "checked_in", wall, by, None, None)
        return self.get(attempt_id)

    def start(self, attempt_id: str, *, by: str | None) -> AttemptView:
        return self._step(attempt_id, "start", by=by)

    def pause(self, attempt_id: str, *, by: str | None, reason: str) -> AttemptView:
        return self._step(attempt_id, "pause", by=by, reason=reason, data={"reason": reason})

    def resume(self, attempt_id: str, *, by: str | None) -> AttemptView:
        return self._step(attempt_id, "resume", by=by)

    def terminate(self, attempt_id: str, *, reason: str, by: str | None) -> AttemptView:
        return self._step(attempt_id, "terminate", by=by, reason=reason, data={"reason": reason})

    def finish(self, attempt_id: str, *, by: str | None = None) -> AttemptView:
        """``attempt.finished`` with ``record_count`` and ``digest`` (API.md rule 6)."""
        return self._step(attempt_id, "finish", by=by)

    def extend(self, attempt_id: str, *, minutes: int, reason: str, by: str | None) -> AttemptView:
        if minutes <= 0:
            raise LifecycleError("an extension must be a positive number of minutes")
        data = {"minutes": minutes, "reason": reason}
        return self._note(attempt_id, "extend", "attempt.time_extended", data, by, reason)

    def incident(self, attempt_id: str, *, category: str, note: str, by: str | None) -> AttemptView:
        data = {"category": category, "note": note}
        return self._note(attempt_id, "incident", "attempt.incident", data, by, category)

    def recover_after_restart(self) -> list[AttemptView]:
        """Attempts found active come back paused; the downtime is credited and noted."""
        core = self._core
        with core.write() as connection:
            active = connection.execute(
                select(_ATTEMPTS.c.id, _ATTEMPTS.c.checkpoint_wall).where(
                    _ATTEMPTS.c.status == AttemptStatus.ACTIVE.value
                )
            ).all()
            wall = core.wall()
            for attempt_id, last_seen in active:
                lost = downtime_ms(last_seen, wall)
                reason = f"workstation restarted; {lost // 1000} s of downtime credited"
                state = load_state(raw(connection), attempt_id)
                state.time = state.time.recover()
                self._finish_step(connection, state, "recover", None, reason, {"reason": reason})
                connection.execute(
                    update(_ATTEMPTS)
                    .where(_ATTEMPTS.c.id == attempt_id)
                    .values(
                        last_downtime_ms=lost,
                        credited_downtime_ms=_ATTEMPTS.c.credited_downtime_ms + lost,
                    )
                )
                log.warning("attempt recovered after a restart: %d ms downtime credited", lost)
                self._recovered.append(attempt_id)
        return [self.get(attempt_id) for attempt_id in dict.fromkeys(self._recovered)]

    # --- reading --------------------------------------------------------------------

    def get(self, attempt_id: str) -> AttemptView:
        with self._core.read() as connection:
            row = connection.execute(select(_ATTEMPTS).where(_ATTEMPTS.c.id == attempt_id)).first()
        if row is None:
            raise LifecycleError("no such attempt on this workstation")
        return self._view(row)

    def list_for_delivery(self, delivery_id: str) -> list[AttemptView]:
        query = (
            select(_ATTEMPTS)
            .where(_ATTEMPTS.c.delivery_id == delivery_id)
            .order_by(_ATTEMPTS.c.checked_in_at, literal_column("attempts.rowid"))
        )
        with self._core.read() as connection:
            rows = connection.execute(query).all()
        return [self._view(row) for row in rows]

    def remaining_ms(self, attempt_id: str) -> int:
        return self.get(attempt_id).remaining_ms

    def time_up(self, attempt_id: str) -> bool:
        """Automatic submission is due (decided by domain.timing.is_time_up)."""
        with self._core.read() as connection:
            state = load_state(raw(connection), attempt_id)
        return is_time_up(state.time, self._core.now_ms())

    def transitions(self, attempt_id: str) -> list[Transition]:
        query = select(_TRANSITIONS).where(_TRANSITIONS.c.attempt_id == attempt_id)
        with self._core.read() as connection:
            rows = connection.execute(query.order_by(_TRANSITIONS.c.id)).all()
        return [
            Transition(
                attempt_id=r.attempt_id, action=r.action,
                from_status=AttemptStatus(r.from_status or r.to_status),
                to_status=AttemptStatus(r.to_status), at=r.at, by=r.by,
                question_id=r.question_id, reason=r.reason,
            )
            for r in rows
        ]  # fmt: skip

    # --- internals ------------------------------------------------------------------

    def _step(
        self,
        attempt_id: str,
        action: str,
        *,
        by: str | None,
        reason: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> AttemptView:
        core = self._core
        with core.write() as connection:
            state = load_state(raw(connection), attempt_id)
            self._finish_step(connection, state, action, by, reason, dict(data or {}))
        return self.get(attempt_id)

    def _finish_step(
        self,
        connection: Connection,
        state: AttemptState,
        action: str,
        by: str | None,
        reason: str | None,
        data: dict[str, Any],
    ) -> None:
        core = self._core
        after = transition(state.status, action)
        now, wall = core.now_ms(), core.wall()
        if after is AttemptStatus.ACTIVE:
            state.time = state.time.start(now)
        elif state.time.running:
            state.time, segment = state.time.stop(now)
            record_segment(raw(connection), state.attempt_id, segment, wall)
        on_screen = state.time.on_screen
        if after.is_over and on_screen is not None and state.status is not AttemptStatus.CHECKED_IN:
            write_question_timed(raw(connection), state, on_screen, wall)
        stamps: dict[str, Any] = {}
        if action == "start":
            row = connection.execute(
                select(_ATTEMPTS.c.delivery_id, _ATTEMPTS.c.taker_id).where(
                    _ATTEMPTS.c.id == state.attempt_id
                )
            ).one()
            data = {"delivery_id": row.delivery_id, "taker_id": row.taker_id, **data}
            stamps["started_at"] = wall
        if action == "finish":
            ids = list(connection.execute(_RECORD_IDS, {"attempt": state.attempt_id}).scalars())
            data = {"record_count": len(ids), "digest": records_digest(ids), **data}
            stamps.update(record_count=len(ids), digest=data["digest"])
        if after.is_over:
            stamps["finished_at"] = wall
        append_record(
            raw(connection), state, _KINDS[action], _with_context(data, by, on_screen), wall
        )
        _evidence(
            connection, state.attempt_id, action, state.status.value, after.value, wall, by,
            on_screen, reason,
        )  # fmt: skip
        state.status = after
        save_state(raw(connection), state, wall)
        if stamps:
            connection.execute(
                update(_ATTEMPTS).where(_ATTEMPTS.c.id == state.attempt_id).values(**stamps)
            )

    def _note(
        self, attempt_id: str, action: str, kind: str, data: dict[str, Any], by: str | None,
        reason: str,
    ) -> AttemptView:  # fmt: skip
        """An extension or an incident: recorded, status unchanged."""
        core = self._core
        with core.write() as connection:
            state = load_state(raw(connection), attempt_id)
            if state.status.is_over:
                raise LifecycleError(f"the attempt is already {state.status}")
            now, wall = core.now_ms(), core.wall()
            state.time, segment = state.time.checkpoint(now)
            record_segment(raw(connection), attempt_id, segment, wall)
            if action == "extend":
                _check_cap(state.time.extension_ms, int(data["minutes"]))
                state.time = state.time.extend(int(data["minutes"]))
            on_screen = state.time.on_screen
            append_record(raw(connection), state, kind, _with_context(data, by, on_screen), wall)
            status = state.status.value
            _evidence(connection, attempt_id, action, status, status, wall, by, on_screen, reason)
            save_state(raw(connection), state, wall)
        return self.get(attempt_id)

    def _view(self, row: Row[Any]) -> AttemptView:
        time_state = AttemptTime(row.duration_ms, row.extension_ms, row.used_ms, row.checkpoint_ms)
        now = self._core.now_ms()
        return AttemptView(
            id=row.id, delivery_id=row.delivery_id, exam_id=row.exam_id, taker_id=row.taker_id,
            candidate_number=row.candidate_number, full_name=row.full_name,
            status=AttemptStatus(row.status), duration_ms=row.duration_ms,
            extension_ms=row.extension_ms, used_ms=time_state.used_at(now),
            remaining_ms=time_state.remaining_ms(now), current_question_id=row.on_screen,
            checked_in_at=row.checked_in_at, started_at=row.started_at,
            finished_at=row.finished_at, credited_downtime_ms=row.credited_downtime_ms,
            last_downtime_ms=row.last_downtime_ms, record_count=row.record_count,
            digest=row.digest, receipt_code=row.receipt_code, integrity=row.integrity,
            paused_at=row.checkpoint_wall if row.status == AttemptStatus.PAUSED.value else None,
        )  # fmt: skip


def _check_cap(already_ms: int, minutes: int) -> None:
    """The extension cap (domain/room.py), checked inside the extension's transaction."""
    if already_ms + minutes * 60_000 > MAX_EXTENSION_MINUTES * 60_000:
        raise LifecycleError(
            f"at most {MAX_EXTENSION_MINUTES} extra minutes per attempt "
            f"({already_ms // 60_000} given already)"
        )


def _with_context(data: dict[str, Any], by: str | None, on_screen: str | None) -> dict[str, Any]:
    """API.md: every record may carry ``by`` and the ``question_id`` on screen."""
    result = dict(data)
    if by is not None:
        result["by"] = by
    if on_screen is not None:
        result.setdefault("question_id", on_screen)
    return result


def _evidence(
    connection: Connection, attempt_id: str, action: str, before: str | None, after: str,
    at: datetime, by: str | None, question_id: str | None, reason: str | None,
) -> None:  # fmt: skip
    connection.execute(
        insert(_TRANSITIONS).values(
            attempt_id=attempt_id, action=action, from_status=before, to_status=after, at=at,
            by=by, question_id=question_id, reason=reason,
        )
    )  # fmt: skip
