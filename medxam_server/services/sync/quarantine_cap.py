"""A cap on quarantined records per workstation (issue 13, finding 9).

Rejected records are kept (nothing sent is thrown away), so a proctor could fill the
quarantine with junk. A pushed batch whose rejected records would take the workstation
past ``max_records`` kept in the last ``window_seconds`` is refused whole, with 429 and
the time until enough of the counted rows age out (413 when the batch alone is over the
cap): nothing of it is applied or dropped, the workstation keeps its records and sends
them again later. The first refusal in a window raises one integrity alert. One count
query per batch with rejections; none for a clean batch (the ingest's hot path, B4).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from medxam_server.db.session import transaction
from medxam_server.models import IntegrityAlert, QuarantinedRecord
from medxam_server.services.errors import ServiceError, TooManyRequests

log = logging.getLogger(__name__)

ALERT_KIND = "quarantine_cap"


@dataclass(frozen=True, slots=True)
class QuarantineCap:
    max_records: int
    window_seconds: int

    def describe(self) -> str:
        hours = self.window_seconds / 3600
        span = f"{hours:g} hours" if hours != 1 else "hour"
        return f"{self.max_records} rejected records per workstation in any {span}"


class QuarantineFull(TooManyRequests):
    """The batch would take its workstation's quarantine past the cap (429)."""

    def __init__(self, workstation_id: str, cap: QuarantineCap, *, retry_after: int) -> None:
        super().__init__(
            f"This batch was not applied: its rejected records would take workstation "
            f"{workstation_id} past the quarantine cap of {cap.describe()}. Keep the "
            f"records and send them again later; an administrator has been alerted.",
            retry_after=retry_after,
        )
        self.workstation_id = workstation_id
        self.cap = cap


class BatchOverQuarantineCap(ServiceError):
    """The batch alone has more rejected records than the cap: it can never fit (413)."""

    status = 413
    title = "Content too large"

    def __init__(self, workstation_id: str, cap: QuarantineCap, rejected: int) -> None:
        super().__init__(
            f"This batch was not applied: it has {rejected} rejected records, more than "
            f"the quarantine cap of {cap.describe()}. Send smaller batches; an "
            f"administrator has been alerted."
        )
        self.workstation_id = workstation_id
        self.cap = cap


def check_quarantine(
    session: Session, workstation_id: str, new_rows: int, now: datetime, cap: QuarantineCap | None
) -> None:
    """Raise when ``new_rows`` more quarantined rows would pass the workstation's cap."""
    if cap is None or new_rows == 0:
        return
    if new_rows > cap.max_records:
        raise BatchOverQuarantineCap(workstation_id, cap, new_rows)
    since = now - timedelta(seconds=cap.window_seconds)
    recent = (QuarantinedRecord.workstation_id == workstation_id) & (
        QuarantinedRecord.received_at >= since
    )
    held = session.scalar(select(func.count()).select_from(QuarantinedRecord).where(recent)) or 0
    excess = held + new_rows - cap.max_records
    if excess <= 0:
        return
    # The row whose ageing out makes room: the excess-th oldest of the counted ones.
    freed_at = session.scalar(
        select(QuarantinedRecord.received_at)
        .where(recent)
        .order_by(QuarantinedRecord.received_at)
        .offset(excess - 1)
        .limit(1)
    )
    wait = cap.window_seconds if freed_at is None else (freed_at - since).total_seconds()
    raise QuarantineFull(workstation_id, cap, retry_after=max(1, math.ceil(wait)))


def alert_once(
    factory: sessionmaker[Session], refusal: QuarantineFull | BatchOverQuarantineCap, now: datetime
) -> None:
    """One integrity alert per workstation and window, in its own transaction (the
    refused batch's transaction is rolled back)."""
    since = now - timedelta(seconds=refusal.cap.window_seconds)
    ws = refusal.workstation_id
    log.warning("workstation %s refused: quarantine cap reached", ws)
    with transaction(factory) as session:
        already = session.scalar(
            select(IntegrityAlert.id)
            .where(
                IntegrityAlert.kind == ALERT_KIND,
                IntegrityAlert.workstation_id == ws,
                IntegrityAlert.created_at >= since,
            )
            .limit(1)
        )
        if already is None:
            session.add(
                IntegrityAlert(
                    kind=ALERT_KIND, workstation_id=ws, detail=refusal.detail, created_at=now
                )
            )
