"""Receipt codes and record digests (API.md rule 6, contracts.md "Receipt code").

A receipt code is HMAC-SHA256(server secret, f"{attempt_id}\\n{digest}") written in the
start-code alphabet as ``XXXX-XXXX``: a candidate can be shown it as proof that their
answers arrived, and only this server (holding the secret) could have issued it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Taker
from medxam_server.services.errors import NotFound

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def records_digest(record_ids_in_seq_order: Iterable[str]) -> str:
    """Lower-case hex SHA-256 of the ids joined by ``\\n`` (no trailing newline)."""
    return hashlib.sha256("\n".join(record_ids_in_seq_order).encode()).hexdigest()


def receipt_code(secret: bytes, attempt_id: str, digest: str) -> str:
    mac = hmac.new(secret, f"{attempt_id}\n{digest}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(mac, "big")
    chars = []
    for _ in range(8):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars[:4]) + "-" + "".join(chars[4:])


def normalise_code(code: str) -> str:
    """What a person may type (lower case, spaces, with or without the dash) as stored."""
    compact = "".join(ch for ch in code.upper() if ch not in " -")
    return f"{compact[:4]}-{compact[4:]}" if len(compact) == 8 else compact


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
