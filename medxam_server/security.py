"""Passwords (Argon2), session tokens (random, stored as SHA-256) and server HMACs."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the user does not exist, so an unknown user and a wrong
# password cost the same time and get the same answer.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; constant work whether or not the user exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A bearer token for a new session (shown once, never stored)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the ``sessions`` table keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: bytes, message: bytes) -> str:
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, message: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature)
