"""The sync state at a glance, for the proctor's panel and ``medxam-desktop status``.

Last contact and the server's clock offset are kept in the store, so the command line
sees what the last sync (from the window or a script) found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from medxam_desktop.domain.attempt import QuarantinedRecord
from medxam_desktop.errors import user_message

if TYPE_CHECKING:
    from medxam_desktop.store import Store

CONTACT_KEY = "sync.last_contact"


@dataclass(frozen=True, slots=True)
class AttemptReceipt:
    attempt_id: str
    candidate_number: str
    full_name: str
    status: str
    integrity: str | None
    receipt_code: str | None


@dataclass(frozen=True, slots=True)
class SyncStatus:
    queued: int  # not yet confirmed by any receipt
    sent: int  # acknowledged, attempt not yet confirmed complete
    confirmed: int  # acknowledged and the attempt is complete on the server
    quarantined: tuple[QuarantinedRecord, ...]
    last_contact: datetime | None
    clock_offset_ms: int | None  # server clock minus this workstation's clock
    last_error: str | None
    bundle_key_problem: str | None
    attempts: tuple[AttemptReceipt, ...]

    @property
    def all_confirmed(self) -> bool:
        return self.queued == 0 and self.sent == 0 and not self.quarantined


def remember_contact(
    store: Store, server_time: datetime, sent_at: float, answered_at: float
) -> None:
    """Keep when we last heard from the server and how far its clock is from ours."""
    local_mid = datetime.fromtimestamp((sent_at + answered_at) / 2, UTC)
    offset_ms = round((server_time - local_mid).total_seconds() * 1000)
    at = datetime.fromtimestamp(answered_at, UTC).isoformat()
    store.outbox.remember(CONTACT_KEY, json.dumps({"at": at, "offset_ms": offset_ms}))


def read_status(store: Store, *, last_error: BaseException | None = None) -> SyncStatus:
    counts = store.outbox.counts()
    confirmed = store.outbox.verified_count()
    contact_raw = store.outbox.recall(CONTACT_KEY)
    last_contact: datetime | None = None
    offset: int | None = None
    if contact_raw:
        contact = json.loads(contact_raw)
        last_contact = datetime.fromisoformat(contact["at"])
        offset = int(contact["offset_ms"])
    attempts = [
        AttemptReceipt(
            a.id, a.candidate_number, a.full_name, a.status.value, a.integrity, a.receipt_code
        )
        for info in store.packages.list()
        for a in store.attempts.list_for_delivery(info.delivery_id)
        if a.status.is_over
    ]
    return SyncStatus(
        queued=counts.pending,
        sent=counts.acknowledged - confirmed,
        confirmed=confirmed,
        quarantined=tuple(store.outbox.quarantined()),
        last_contact=last_contact,
        clock_offset_ms=offset,
        last_error=None if last_error is None else user_message(last_error),
        bundle_key_problem=store.outbox.recall("bundle_key_problem"),
        attempts=tuple(attempts),
    )
