"""USB bundles (contracts.md): a signed file of a workstation's records, imported by an admin.

The bundle is checked completely before anything is applied: its Ed25519 signature
with the key the workstation registered, the manifest's record count, per-attempt
counts and records digest. Then its records go through ``ingest.ingest_batch`` like a
push, with the records digest as the Idempotency-Key, so importing it twice, or pushing
the same records as well, keeps one copy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from collections import Counter
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy.orm import Session

from medxam_server.rules.records import UUID_RE, canonical_json
from medxam_server.services.errors import Invalid
from medxam_server.services.setup.workstations import decode_public_key, public_key_of
from medxam_server.services.sync.batch import SUPPORTED_PROTOCOLS, Batch, UnsupportedProtocol

BUNDLE_FIELDS = frozenset(
    {"format", "version", "workstation_id", "created_at", "protocol", "records", "manifest",
     "signature"}
)  # fmt: skip


def _fail(detail: str) -> Invalid:
    return Invalid(f"the bundle cannot be imported: {detail}; nothing was applied")


def parse_bundle(session: Session, body: bytes, *, user_id: str) -> Batch:
    """The bundle's records as a batch, once signature and digests check out."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _fail("it is not UTF-8 JSON") from exc
    if not isinstance(document, dict) or document.get("format") != "medxam-bundle":
        raise _fail("it is not a MedXam bundle")
    extra = document.keys() - BUNDLE_FIELDS
    if extra:
        raise _fail(f"unknown field(s) {', '.join(sorted(extra))}")
    if document.get("version") != 1:
        raise _fail("unknown bundle version")
    protocol = document.get("protocol")
    if type(protocol) is not int:  # "1", true and 1.0 are not protocol 1 (as for a push)
        raise _fail("protocol must be a JSON integer")
    if protocol not in SUPPORTED_PROTOCOLS:
        raise UnsupportedProtocol(str(protocol))
    workstation_id = document.get("workstation_id")
    records = document.get("records")
    manifest = document.get("manifest")
    signature = document.get("signature")
    if not isinstance(workstation_id, str) or not UUID_RE.match(workstation_id):
        raise _fail("workstation_id must be a UUID")
    if not isinstance(records, list) or not isinstance(manifest, dict):
        raise _fail("records must be a list and manifest an object")
    if not isinstance(signature, str):
        raise _fail("the signature is missing")
    workstation_id = workstation_id.lower()
    _verify_signature(session, workstation_id, document, signature)
    records_sha256 = hashlib.sha256(canonical_json(records)).hexdigest()
    _verify_manifest(manifest, records, records_sha256)
    return Batch(
        batch_id=str(uuid.UUID(hex=records_sha256[:32])),
        body_hash=records_sha256,
        workstation_id=workstation_id,
        records=records,
        user_id=user_id,
        source="bundle",
    )


def _verify_signature(
    session: Session, workstation_id: str, document: dict[str, Any], signature: str
) -> None:
    public_key = public_key_of(session, workstation_id)
    if public_key is None:
        raise _fail("no key is registered for its workstation")
    signed = canonical_json({k: v for k, v in document.items() if k != "signature"})
    try:
        decode_public_key(public_key).verify(base64.b64decode(signature, validate=True), signed)
    except (InvalidSignature, binascii.Error, ValueError) as exc:
        raise _fail("its signature does not match the workstation's key") from exc


def _verify_manifest(manifest: dict[str, Any], records: list[Any], records_sha256: str) -> None:
    if manifest.get("records_sha256") != records_sha256:
        raise _fail("the records do not match the manifest's digest")
    if manifest.get("record_count") != len(records):
        raise _fail("the manifest's record count does not match the records")
    per_attempt = Counter(str(r.get("attempt_id")).lower() for r in records if isinstance(r, dict))
    listed = manifest.get("attempts")
    if not isinstance(listed, list):
        raise _fail("the manifest has no attempts list")
    try:
        claimed = {str(a["attempt_id"]).lower(): a["record_count"] for a in listed}
    except (TypeError, KeyError) as exc:
        raise _fail("the manifest's attempts list is malformed") from exc
    if claimed != dict(per_attempt):
        raise _fail("the manifest's per-attempt counts do not match the records")
