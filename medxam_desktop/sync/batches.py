"""A push batch (its exact bytes and Idempotency-Key) and the receipt that answers it.

The body is encoded once and kept: a batch whose answer was lost is sent again byte for
byte with the same key, so the server answers the same receipt (API.md rule 5).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medxam_desktop.domain.attempt import PROTOCOL_VERSION, OutboxRecord
from medxam_desktop.errors import ServerRejectedError
from medxam_desktop.sync.wire import parse_time

MAX_RECORDS = 1000
MAX_BYTES = 1024 * 1024


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Batch:
    key: str  # the Idempotency-Key, fresh per batch
    records: tuple[OutboxRecord, ...]
    body: bytes

    @property
    def head_seq(self) -> int:
        return self.records[0].seq

    @property
    def record_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.records)


def build_batch(
    records: Sequence[OutboxRecord],
    *,
    workstation_id: str,
    protocol: int = PROTOCOL_VERSION,
    max_bytes: int = MAX_BYTES,
) -> Batch:
    """The longest prefix of ``records`` (at most 1000) whose body fits ``max_bytes``;
    always at least one record."""
    if not records:
        raise ValueError("a batch needs at least one record")
    chosen = records[:MAX_RECORDS]
    envelope = {"protocol": protocol, "workstation_id": workstation_id}
    whole = _encode({**envelope, "records": [r.wire() for r in chosen]})
    if len(whole) <= max_bytes:  # the usual case: one encoder call for the whole batch
        return Batch(key=str(uuid.uuid4()), records=tuple(chosen), body=whole)
    head = _encode(envelope)[:-1]
    opening = head + b',"records":['
    size = len(opening) + 2  # the closing "]}"
    parts: list[bytes] = []
    for record in chosen:
        encoded = _encode(record.wire())
        extra = len(encoded) + (1 if parts else 0)
        if parts and size + extra > max_bytes:
            break
        parts.append(encoded)
        size += extra
    body = opening + b",".join(parts) + b"]}"
    return Batch(key=str(uuid.uuid4()), records=tuple(records[: len(parts)]), body=body)


@dataclass(frozen=True, slots=True)
class Receipt:
    """What ``POST /api/sync/push`` (or a bundle import) answered."""

    batch_id: str
    server_time: datetime
    high_water_mark: int
    results: tuple[Mapping[str, Any], ...]
    attempts: tuple[Mapping[str, Any], ...]

    def statuses(self) -> dict[str, str]:
        return {str(r.get("id")): str(r.get("status")) for r in self.results}


def parse_receipt(body: Mapping[str, Any]) -> Receipt:
    try:
        results = tuple(dict(r) for r in body["results"])
        attempts = tuple(dict(a) for a in body.get("attempts", []))
        return Receipt(
            batch_id=str(body.get("batch_id", "")),
            server_time=parse_time(str(body["server_time"])),
            high_water_mark=int(body["high_water_mark"]),
            results=results,
            attempts=attempts,
        )
    except (KeyError, TypeError, ValueError) as exc:
        unreadable = "The server sent a sync receipt this program cannot read."
        raise ServerRejectedError(unreadable) from exc
