"""Receipt codes and record digests (API.md rule 6, contracts.md "Receipt code").

A receipt code is HMAC-SHA256(server secret, f"{attempt_id}\\n{digest}") written in the
start-code alphabet as ``XXXX-XXXX``: a candidate can be shown it as proof that their
answers arrived, and only this server (holding the secret) could have issued it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

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
