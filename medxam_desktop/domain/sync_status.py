"""How much of a delivery has reached the server: ``GET /api/deliveries/{id}/sync-status``.

An attempt is *complete* when the server holds every record its workstation made (its
``attempt.finished`` record counts them), *incomplete* when records are missing, and
*pending* while it is not finished yet; per workstation also what is in progress, when
it last sent and its high-water mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WorkstationSync:
    workstation_id: str | None  # None: attempts made online, through the API
    attempts: int
    complete: int
    incomplete: int
    pending: int
    in_progress: int
    last_received_at: datetime | None
    high_water_mark: int | None

    @classmethod
    def from_json(cls, raw: Any) -> WorkstationSync:
        try:
            ws = raw.get("workstation_id")
            mark = raw.get("high_water_mark")
            return cls(
                workstation_id=None if ws is None else str(ws),
                attempts=int(raw["attempts"]),
                complete=int(raw["complete"]),
                incomplete=int(raw["incomplete"]),
                pending=int(raw["pending"]),
                in_progress=int(raw.get("in_progress", 0)),
                last_received_at=_time(raw.get("last_received_at")),
                high_water_mark=None if mark is None else int(mark),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"a workstation's sync status: {exc}") from exc


@dataclass(frozen=True, slots=True)
class SyncCompleteness:
    delivery_id: str
    attempts: int
    complete: int
    incomplete: int
    pending: int
    workstations: tuple[WorkstationSync, ...]

    @property
    def all_complete(self) -> bool:
        return self.attempts > 0 and self.complete == self.attempts

    @classmethod
    def from_json(cls, raw: Any) -> SyncCompleteness:
        try:
            return cls(
                delivery_id=str(raw["delivery_id"]),
                attempts=int(raw["attempts"]),
                complete=int(raw["complete"]),
                incomplete=int(raw["incomplete"]),
                pending=int(raw["pending"]),
                workstations=tuple(WorkstationSync.from_json(w) for w in raw["workstations"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"the sync status: {exc}") from exc
