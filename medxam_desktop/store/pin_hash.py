"""Argon2id hashes of proctor PINs (argon2-cffi); the only module that touches argon2.

Parameters: OWASP's Argon2id minimum (19 MiB, 2 passes, 1 lane), about 30 ms here. A PIN
of 4 to 8 digits cannot be made strong by hashing alone; what guards it is the throttle
(``store/proctors.py``), and the hash keeps the PIN itself out of the store file.
argon2 is imported on first use, not when the store is (start-up time, B3).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


@cache
def _unknown() -> str:
    """Checked when the user name is unknown, so that an unknown name costs the same time."""
    return _hasher().hash("no proctor has this PIN")


def hash_pin(pin: str) -> str:
    """``$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`` with a fresh random salt."""
    return _hasher().hash(pin)


def pin_matches(pin_hash: str | None, pin: str) -> bool:
    """Whether ``pin`` is the one hashed; ``None`` (no such proctor) never matches."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(pin_hash or _unknown(), pin) and pin_hash is not None
    except (VerificationError, InvalidHashError):
        return False
