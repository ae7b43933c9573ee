"""The outbox: append-only records for the server, read in ``seq`` order.

Records are appended by the attempt and answer repositories inside their own
transactions (core.append_record). Here they are read for pushing and marked:
acknowledged (with the batch), quarantined (with the reason), verified (the server holds
the attempt complete). Nothing is ever deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select, text, update

from medxam_desktop.domain.attempt import (
    OutboxCounts,
    OutboxRecord,
    QuarantinedRecord,
    format_wire_time,
)
from medxam_desktop.store import models
from medxam_desktop.store.core import StoreCore

_OUTBOX = models.OUTBOX
_ACKNOWLEDGED_STATUSES = ("accepted", "duplicate")
_CONFIRM = text(
    "UPDATE outbox SET state = 'acknowledged', batch_id = :batch, acknowledged_at = :now"
    " WHERE state = 'pending' AND id IN (SELECT value FROM json_each(:ids))"
)


class OutboxRepository:
    def __init__(self, core: StoreCore) -> None:
        self._core = core

    def pending(self, limit: int = 1000, max_bytes: int = 4 * 1024 * 1024) -> list[OutboxRecord]:
        """The oldest pending records, at most ``limit`` and about ``max_bytes`` of JSON
        (always at least one record when any is pending)."""
        query = (
            select(_OUTBOX).where(_OUTBOX.c.state == "pending").order_by(_OUTBOX.c.seq).limit(limit)
        )
        chosen: list[OutboxRecord] = []
        size = 0
        with self._core.read() as connection:
            for row in connection.execute(query):
                size += len(row.data) + len(row.id) + len(row.kind) + 120
                if chosen and size > max_bytes:
                    break
                chosen.append(_record(row))
        return chosen

    def records(self, *, attempt_id: str | None = None) -> list[OutboxRecord]:
        """Every record (of one attempt), in ``seq`` order: for bundles and checks."""
        query = select(_OUTBOX).order_by(_OUTBOX.c.seq)
        if attempt_id is not None:
            query = query.where(_OUTBOX.c.attempt_id == attempt_id)
        with self._core.read() as connection:
            return [_record(row) for row in connection.execute(query)]

    def acknowledge(
        self, results: Iterable[Mapping[str, Any]], *, batch_id: str | None = None
    ) -> OutboxCounts:
        """Apply a push receipt's ``results``: accepted/duplicate are acknowledged,
        rejected are quarantined with their reason. Returns the new counts."""
        acknowledged: list[dict[str, Any]] = []
        rejected: list[dict[str, Any]] = []
        now = self._core.wall()
        for result in results:
            status = str(result.get("status", ""))
            if status in _ACKNOWLEDGED_STATUSES:
                acknowledged.append({"rid": str(result["id"]), "batch": batch_id, "now": now})
            elif status == "rejected":
                reason = str(result.get("reason") or "rejected by the server")
                rejected.append({"rid": str(result["id"]), "batch": batch_id, "reason": reason})
        with self._core.write(notify=False) as connection:
            if acknowledged:
                connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.id == bindparam("rid"), _OUTBOX.c.state == "pending")
                    .values(state="acknowledged", batch_id=bindparam("batch"),
                            acknowledged_at=bindparam("now")),
                    acknowledged,
                )  # fmt: skip
            if rejected:
                connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.id == bindparam("rid"))
                    .values(state="quarantined", batch_id=bindparam("batch"),
                            reason=bindparam("reason")),
                    rejected,
                )  # fmt: skip
        return self.counts()

    def quarantine(self, record_ids: Iterable[str], *, reason: str) -> None:
        params = [{"rid": record_id, "reason": reason} for record_id in record_ids]
        if not params:
            return
        with self._core.write(notify=False) as connection:
            connection.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.id == bindparam("rid"))
                .values(state="quarantined", reason=bindparam("reason")),
                params,
            )

    def apply_attempt_results(self, attempts: Iterable[Mapping[str, Any]]) -> None:
        """A receipt's ``attempts``: keep integrity and receipt code; when the server holds
        an attempt ``complete``, its records are marked verified."""
        table = models.ATTEMPTS
        with self._core.write(notify=False) as connection:
            for entry in attempts:
                attempt_id = str(entry["attempt_id"])
                values: dict[str, Any] = {"integrity": entry.get("integrity")}
                if entry.get("receipt_code"):
                    values["receipt_code"] = entry["receipt_code"]
                connection.execute(update(table).where(table.c.id == attempt_id).values(values))
                if entry.get("integrity") == "complete":
                    connection.execute(
                        update(_OUTBOX)
                        .where(_OUTBOX.c.attempt_id == attempt_id)
                        .values(verified=True)
                    )

    def resend_after(self, high_water_mark: int) -> int:
        """The server holds less than was acknowledged (restored from a backup): every
        acknowledged record above ``high_water_mark`` is pending again. Returns how many."""
        with self._core.write(notify=False) as connection:
            result = connection.execute(
                update(_OUTBOX)
                .where(_OUTBOX.c.state == "acknowledged", _OUTBOX.c.seq > high_water_mark)
                .values(state="pending", verified=False)
            )
        return int(result.rowcount)

    def acknowledged_high_water(self) -> int:
        """The highest ``seq`` such that every record 1..seq is acknowledged (or 0)."""
        query = select(func.min(_OUTBOX.c.seq)).where(_OUTBOX.c.state != "acknowledged")
        with self._core.read() as connection:
            first_open = connection.execute(query).scalar()
            last = connection.execute(select(func.max(_OUTBOX.c.seq))).scalar() or 0
        return int(last if first_open is None else first_open - 1)

    def counts(self) -> OutboxCounts:
        query = select(_OUTBOX.c.state, func.count()).group_by(_OUTBOX.c.state)
        with self._core.read() as connection:
            by_state = {state: int(n) for state, n in connection.execute(query)}
        return OutboxCounts(
            pending=by_state.get("pending", 0),
            acknowledged=by_state.get("acknowledged", 0),
            quarantined=by_state.get("quarantined", 0),
        )

    # --- for the pusher and USB bundles (sync/) ------------------------------------------

    def confirm(
        self, accepted_ids: Iterable[str], rejected: Iterable[tuple[str, str]], *, batch_id: str
    ) -> None:
        """A receipt, cheaply: ``accepted_ids`` (accepted or duplicate) acknowledged in one
        statement, ``rejected`` (id, reason) quarantined; no counts read back."""
        ids = json.dumps(list(accepted_ids))
        wall = format_wire_time(self._core.wall())
        params = [{"rid": rid, "batch": batch_id, "reason": why} for rid, why in rejected]
        with self._core.write(notify=False) as connection:
            connection.execute(_CONFIRM, {"ids": ids, "batch": batch_id, "now": wall})
            if params:
                connection.execute(
                    update(_OUTBOX)
                    .where(_OUTBOX.c.id == bindparam("rid"))
                    .values(state="quarantined", batch_id=bindparam("batch"),
                            reason=bindparam("reason")),
                    params,
                )  # fmt: skip

    def held_high_water(self) -> int:
        """The highest ``seq`` such that the server confirmed every record 1..seq (accepted,
        duplicate or rejected): the server's own high-water-mark rule, seen from here."""
        query = select(func.min(_OUTBOX.c.seq)).where(_OUTBOX.c.state == "pending")
        with self._core.read() as connection:
            first_open = connection.execute(query).scalar()
            last = connection.execute(select(func.max(_OUTBOX.c.seq))).scalar() or 0
        return int(last if first_open is None else first_open - 1)

    def resend_above(self, high_water_mark: int) -> int:
        """The server lost records (restored from a backup): every confirmed record above
        its ``high_water_mark`` is pending again, quarantined ones too (a rejection comes
        back as one; the reason is kept meanwhile), and their attempts unverified."""
        return self._resend(_OUTBOX.c.seq > high_water_mark)

    def resend_seqs(self, seqs: Iterable[int]) -> int:
        """An ``incomplete`` receipt's ``missing_seq``: those records are pending again."""
        wanted = sorted({int(s) for s in seqs})
        return self._resend(_OUTBOX.c.seq.in_(wanted)) if wanted else 0

    def _resend(self, condition: Any) -> int:
        where = (condition, _OUTBOX.c.state != "pending")
        attempts = models.ATTEMPTS
        with self._core.write(notify=False) as connection:
            touched = select(_OUTBOX.c.attempt_id).where(*where).distinct().scalar_subquery()
            connection.execute(
                update(attempts).where(attempts.c.id.in_(touched)).values(integrity=None)
            )
            result = connection.execute(
                update(_OUTBOX).where(*where).values(state="pending", verified=False)
            )
        return int(result.rowcount)

    def verified_count(self) -> int:
        """Acknowledged records whose attempt the server holds ``complete``."""
        query = select(func.count()).where(
            _OUTBOX.c.verified.is_(True), _OUTBOX.c.state == "acknowledged"
        )
        with self._core.read() as connection:
            return int(connection.execute(query).scalar() or 0)

    def quarantined(self) -> list[QuarantinedRecord]:
        """Records the server rejected, with its reason, in ``seq`` order."""
        query = select(_OUTBOX).where(_OUTBOX.c.state == "quarantined").order_by(_OUTBOX.c.seq)
        with self._core.read() as connection:
            return [
                QuarantinedRecord(_record(row), row.reason or "rejected by the server")
                for row in connection.execute(query)
            ]

    def unverified(self) -> list[OutboxRecord]:
        """Every record whose attempt the server has not confirmed complete: for a bundle."""
        query = select(_OUTBOX).where(_OUTBOX.c.verified.is_(False)).order_by(_OUTBOX.c.seq)
        with self._core.read() as connection:
            return [_record(row) for row in connection.execute(query)]

    def unconfirmed_finishes(self) -> list[OutboxRecord]:
        """Each sent ``attempt.finished`` whose attempt the server has not said is complete
        (its receipt was lost, or the attempt was incomplete): sent again to ask."""
        attempts = models.ATTEMPTS
        query = (
            select(_OUTBOX)
            .join(attempts, attempts.c.id == _OUTBOX.c.attempt_id)
            .where(
                _OUTBOX.c.kind == "attempt.finished",
                _OUTBOX.c.state == "acknowledged",
                _OUTBOX.c.verified.is_(False),
            )
            .order_by(_OUTBOX.c.seq)
        )
        with self._core.read() as connection:
            return [_record(row) for row in connection.execute(query)]

    def remember(self, key: str, value: str) -> None:
        """Keep a small fact about syncing (last contact, key registered) in ``meta``."""
        meta = models.META_TABLE
        with self._core.write(notify=False) as connection:
            connection.execute(meta.delete().where(meta.c.key == key))
            connection.execute(meta.insert().values(key=key, value=value))

    def recall(self, key: str) -> str | None:
        meta = models.META_TABLE
        with self._core.read() as connection:
            found = connection.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
        return None if found is None else str(found)


def _record(row: Row[Any]) -> OutboxRecord:
    return OutboxRecord(
        id=row.id,
        seq=row.seq,
        attempt_id=row.attempt_id,
        kind=row.kind,
        at=datetime.fromisoformat(row.at.replace("Z", "+00:00")).astimezone(UTC),
        data=json.loads(row.data),
        state=row.state,
    )
