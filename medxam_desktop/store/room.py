"""What the proctor's room view reads: a delivery's attempts with their last save and
incidents, in a few indexed reads (the view refreshes itself every second).

Incidents are read from their outbox records (category and note as synced); the outbox
has no index on the attempt, so that scan runs only when the count of incidents (from
the indexed ``transitions`` table) changed since the last read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, select, text

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.room import Incident, RoomEntry
from medxam_desktop.store import models
from medxam_desktop.store.attempts import AttemptRepository
from medxam_desktop.store.core import StoreCore

_ANSWERS = models.Base.metadata.tables["answers"]
_TRANSITIONS = models.TRANSITIONS
_INCIDENT_RECORDS = text(
    "SELECT attempt_id, at, data FROM outbox WHERE kind = 'attempt.incident'"
    " AND attempt_id IN :ids ORDER BY seq"
).bindparams(bindparam("ids", expanding=True))


class RoomRepository:
    def __init__(self, core: StoreCore, attempts: AttemptRepository) -> None:
        self._core = core
        self._attempts = attempts
        self._incident_counts: dict[str, int] = {}
        self._incidents: dict[str, tuple[Incident, ...]] = {}

    def entries(self, delivery_id: str) -> list[RoomEntry]:
        """Every attempt of the delivery on this workstation, oldest check-in first."""
        attempts = self._attempts.list_for_delivery(delivery_id)
        if not attempts:
            return []
        ids = [a.id for a in attempts]
        with self._core.read() as connection:
            saved: dict[str, datetime | None] = dict(
                connection.execute(
                    select(_ANSWERS.c.attempt_id, func.max(_ANSWERS.c.saved_at))
                    .where(_ANSWERS.c.attempt_id.in_(ids))
                    .group_by(_ANSWERS.c.attempt_id)
                ).all()
            )
            counts: dict[str, int] = dict(
                connection.execute(
                    select(_TRANSITIONS.c.attempt_id, func.count())
                    .where(_TRANSITIONS.c.attempt_id.in_(ids), _TRANSITIONS.c.action == "incident")
                    .group_by(_TRANSITIONS.c.attempt_id)
                ).all()
            )
            changed = [i for i in counts if counts[i] != self._incident_counts.get(i)]
            if changed:
                self._read_incidents(connection.execute(_INCIDENT_RECORDS, {"ids": changed}).all())
                self._incident_counts.update({i: counts[i] for i in changed})
        return [self._entry(a, saved.get(a.id)) for a in attempts]

    def incidents(self, attempt_id: str) -> tuple[Incident, ...]:
        """The incidents recorded for one attempt (as of the last ``entries`` read)."""
        return self._incidents.get(attempt_id, ())

    def _read_incidents(self, rows: Sequence[tuple[str, str, str]]) -> None:
        found: dict[str, list[Incident]] = {}
        for attempt_id, at, data in rows:
            fields = json.loads(data)
            moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)
            found.setdefault(attempt_id, []).append(
                Incident(
                    category=str(fields.get("category", "")),
                    note=str(fields.get("note", "")),
                    at=moment,
                    by=fields.get("by"),
                )
            )
        self._incidents.update({k: tuple(v) for k, v in found.items()})

    def _entry(self, attempt: AttemptView, saved_at: datetime | None) -> RoomEntry:
        return RoomEntry(attempt, saved_at, self._incidents.get(attempt.id, ()))
