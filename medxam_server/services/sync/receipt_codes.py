"""Receipt codes an admin checks (API.md "Batch sync", contracts.md "Receipt code").

A receipt code is HMAC-SHA256(server secret, f"{attempt_id}\\n{digest}") written in the
start-code alphabet as ``XXXX-XXXX`` (``rules.receipt_codes``): a candidate can be
shown it as proof that their answers arrived, and only this server (holding the secret)
could have issued it. The router shapes ``IssuedReceipt`` into its answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Taker
from medxam_server.rules.receipt_codes import normalise_code
from medxam_server.services.errors import NotFound


@dataclass(frozen=True, slots=True)
class IssuedReceipt:
    """The attempt a code was issued for, with its taker and delivery."""

    attempt_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    delivery_id: str
    delivery_title: str
    exam_id: str
    record_count: int | None
    digest: str | None
    finished_at: datetime | None
    integrity: str


def verify_receipt(session: Session, code: str) -> IssuedReceipt:
    """What an admin sees for a code a candidate was shown; ``NotFound`` if never issued."""
    attempt = session.scalar(select(Attempt).where(Attempt.receipt_code == normalise_code(code)))
    if attempt is None:
        raise NotFound("this server never issued that receipt code")
    taker = session.get_one(Taker, attempt.taker_id)
    delivery = session.get_one(Delivery, attempt.delivery_id)
    return IssuedReceipt(
        attempt_id=attempt.id,
        taker_id=taker.id,
        candidate_number=taker.candidate_number,
        full_name=taker.full_name,
        delivery_id=delivery.id,
        delivery_title=delivery.title,
        exam_id=delivery.exam_id,
        record_count=attempt.record_count,
        digest=attempt.digest,
        finished_at=attempt.finished_at,
        integrity=attempt.integrity,
    )
