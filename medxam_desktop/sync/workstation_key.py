"""The workstation's Ed25519 key pair that signs its USB bundles and its pushes.

Made once per workstation; the private key lives in the system keyring (credentials.py),
the public key is registered with the server while online so it can check bundles, and
every push is signed with it (``push_signature``): once a key is registered the server
accepts this workstation's records only with its signature (docs/api.md, Security model).
"""

from __future__ import annotations

import base64
import hashlib
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from medxam_desktop.sync.credentials import load_workstation_key, save_workstation_key

log = logging.getLogger(__name__)


def signing_key(workstation_id: str) -> Ed25519PrivateKey:
    """The workstation's private key, made and kept in the keyring the first time.

    ``CredentialStoreError`` when there is no keyring: no bundle can be signed then."""
    kept = load_workstation_key(workstation_id)
    if kept:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(kept))
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes_raw()
    save_workstation_key(workstation_id, base64.b64encode(raw).decode("ascii"))
    log.info("made this workstation's bundle signing key")
    return key


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
