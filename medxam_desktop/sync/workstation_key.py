"""The workstation's Ed25519 key pair that signs its USB bundles and its pushes.

Made once per workstation; the private key lives in the system keyring (credentials.py),
the public key is registered with the server while online so it can check bundles, and
every push is signed with it (``push_signature``): once a key is registered the server
accepts this workstation's records only with its signature (docs/api.md, Security model).

A computer without a usable keyring keeps the key in a file sealed with the proctors'
PINs instead (key_file.py); a proven PIN opens it (key_unlock.py) and the key is kept in
memory for the rest of the run, here, for every caller in the process. The keyring
always comes first.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from medxam_desktop.errors import CredentialStoreError, SigningKeyLockedError
from medxam_desktop.sync.credentials import load_workstation_key, save_workstation_key
from medxam_desktop.sync.key_file import read_key_file

log = logging.getLogger(__name__)


_unlocked: dict[str, Ed25519PrivateKey] = {}  # opened from the key file in this run


def keep_unlocked(workstation_id: str, key: Ed25519PrivateKey) -> None:
    _unlocked[workstation_id] = key


def unlocked_key(workstation_id: str) -> Ed25519PrivateKey | None:
    return _unlocked.get(workstation_id)


def forget_unlocked(workstation_id: str) -> None:
    _unlocked.pop(workstation_id, None)


def forget_unlocked_keys() -> None:
    """Lock every key opened from a key file (what a restart does; for tests)."""
    _unlocked.clear()


def signing_key(workstation_id: str, *, key_file: Path | None = None) -> Ed25519PrivateKey:
    """The workstation's private key, made and kept in the keyring the first time.

    Without a usable keyring, the key a proctor's PIN opened from ``key_file`` in this
    run. ``SigningKeyLockedError`` while that file exists and no PIN has opened it (also
    when the keyring works but is empty beside a key file: a new key would not be the one
    the server knows); ``CredentialStoreError`` with no keyring and no key file."""
    try:
        kept = load_workstation_key(workstation_id)
    except CredentialStoreError:
        if key_file is None or not key_file.exists():
            raise
        return _opened(workstation_id, key_file)
    if kept:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(kept))
    if key_file is not None and key_file.exists():
        key = _opened(workstation_id, key_file)
        try:  # the keyring works again: it keeps the same key from now on
            save_workstation_key(workstation_id, _seed_text(key))
        except CredentialStoreError:
            return key
        log.info("the key opened from the key file is kept in the keyring now")
        return key
    key = Ed25519PrivateKey.generate()
    save_workstation_key(workstation_id, _seed_text(key))
    log.info("made this workstation's bundle signing key")
    return key


def _opened(workstation_id: str, key_file: Path) -> Ed25519PrivateKey:
    key = unlocked_key(workstation_id)
    if key is not None:
        return key
    found = read_key_file(key_file)
    user_ids = tuple(s.user_id for s in found.slots) if found else ()
    raise SigningKeyLockedError(user_ids=user_ids)


def _seed_text(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.private_bytes_raw()).decode("ascii")


PUSH_CONTEXT = b"medxam-push-v1\n"


def push_signature(key: Ed25519PrivateKey, idempotency_key: str, body: bytes) -> str:
    """``X-Workstation-Signature``: base64 Ed25519 signature of the context line, the
    Idempotency-Key and the hex SHA-256 of the exact body, one per line."""
    digest = hashlib.sha256(body).hexdigest()
    message = PUSH_CONTEXT + idempotency_key.lower().encode() + b"\n" + digest.encode()
    return base64.b64encode(key.sign(message)).decode("ascii")


def public_key_b64(key: Ed25519PrivateKey) -> str:
    """What ``PUT /api/workstations/{id}/key`` takes: base64 of the raw 32 bytes."""
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")
