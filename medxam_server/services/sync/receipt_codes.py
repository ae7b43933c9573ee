"""Receipt codes and record digests (API.md rule 6, contracts.md "Receipt code").

A receipt code is HMAC-SHA256(server secret, f"{attempt_id}\\n{digest}") written in the
start-code alphabet as ``XXXX-XXXX``: a candidate can be shown it as proof that their
answers arrived, and only this server (holding the secret) could have issued it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Taker
from medxam_server.rules.receipt_codes import normalise_code
from medxam_server.services.errors import NotFound


def verify_receipt(session: Session, code: str) -> dict[str, Any]:
    """What an admin sees for a code a candidate was shown; ``NotFound`` if never issued."""
    attempt = session.scalar(select(Attempt).where(Attempt.receipt_code == normalise_code(code)))
    if attempt is None:
        raise NotFound("this server never issued that receipt code")
    taker = session.get_one(Taker, attempt.taker_id)
    delivery = session.get_one(Delivery, attempt.delivery_id)
    return {
        "attempt_id": attempt.id,
        "taker": {
            "id": taker.id,
            "candidate_number": taker.candidate_number,
            "full_name": taker.full_name,
        },
        "delivery": {"id": delivery.id, "title": delivery.title, "exam_id": delivery.exam_id},
        "record_count": attempt.record_count,
        "digest": attempt.digest,
        "finished_at": attempt.finished_at,
        "integrity": attempt.integrity,
    }
