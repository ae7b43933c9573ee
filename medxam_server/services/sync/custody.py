"""Who may push for a workstation, and for which attempts (issue 13, findings 3 and 7).

Per batch, never per record in SQL:

- ``check_push``: a workstation with a registered key must sign the push with it
  (``X-Workstation-Signature``: Ed25519 over ``push_message``); one without a key is
  pushed for by its owner (whoever registered it or first pushed for it) or an admin.
  The workstation's key and owner come back from the upsert that already locks its row,
  so this costs no query, and one signature check.
- ``record_verdicts``: a record for an attempt bound to another workstation (or started
  online) is ``wrong_workstation``; a ``by`` that is not a proctor's or an admin's user
  id is ``unknown_actor`` (one query for the batch's distinct ``by`` values).
- ``own_records``: records of an attempt that came from a workstation it was never
  bound to (sent before its start arrived, rule 7) take no part in its fold.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import User, WorkstationEvent
from medxam_server.rules.records import ValidRecord
from medxam_server.services.errors import Forbidden
from medxam_server.services.sync.attempt_rows import AttemptRow

WRONG_WORKSTATION = "wrong_workstation"
UNKNOWN_ACTOR = "unknown_actor"
ACTOR_ROLES = ("admin", "proctor")
SIGNATURE_HEADER = "X-Workstation-Signature"
PUSH_CONTEXT = b"medxam-push-v1\n"

Verdicts = dict[str, tuple[str, str]]  # record id -> (reason, detail)


def push_message(batch_id: str, body_sha256_hex: str) -> bytes:
    """What a workstation signs for a push: a fixed context line, the Idempotency-Key
    (lower-case, hyphenated) and the hex SHA-256 of the exact body, one per line."""
    return PUSH_CONTEXT + batch_id.encode() + b"\n" + body_sha256_hex.encode()


def check_push(
    public_key: str | None,
    owner_id: str | None,
    *,
    batch_id: str,
    body_hash: str,
    signature: str | None,
    user_id: str,
    admin: bool,
) -> None:
    """``Forbidden`` unless this push may speak for the workstation (see the module)."""
    if public_key is not None:
        if signature is None:
            raise Forbidden(
                "this workstation has a registered key and the push is not signed with it "
                f"({SIGNATURE_HEADER}): only the workstation itself may send its records"
            )
        if not _verifies(public_key, signature, push_message(batch_id, body_hash)):
            raise Forbidden(
                "the push's signature does not match the key registered for this workstation: "
                "its records are not accepted from this computer"
            )
        return
    if owner_id is not None and owner_id != user_id and not admin:
        raise Forbidden(
            "this workstation has no registered key and belongs to another user; "
            "an admin can hand it over (PUT /api/workstations/{id}/owner)"
        )


def _verifies(public_key: str, signature: str, message: bytes) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature.strip(), validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def record_verdicts(
    session: Session,
    workstation_id: str,
    records: Sequence[ValidRecord],
    attempts: Mapping[str, AttemptRow],
) -> Verdicts:
    """Verdicts for records from the wrong workstation or by an unknown actor."""
    verdicts: Verdicts = {}
    actors = {r.by for r in records if r.by is not None}
    known = _actors(session, actors) if actors else set()
    for record in records:
        attempt = attempts.get(record.attempt_id)
        if attempt is not None and attempt.workstation_id != workstation_id:
            verdicts[record.id] = (
                WRONG_WORKSTATION,
                "the attempt was started online, not on a workstation"
                if attempt.workstation_id is None
                else "the attempt runs on another workstation; an admin can hand it over",
            )
        elif record.by is not None and record.by not in known:
            verdicts[record.id] = (UNKNOWN_ACTOR, "by is not the id of a proctor or an admin")
    return verdicts


def _actors_query(postgres: bool) -> Executable:
    return select(User.id).where(
        dialect.any_of(User.id, "ids", postgres), User.role.in_(ACTOR_ROLES)
    )


def _actors(session: Session, ids: set[str]) -> set[str]:
    query = dialect.statement_for(session, _actors_query)
    rows = session.connection().execute(query, {"ids": sorted(ids)})
    return {str(user_id) for (user_id,) in rows}


def own_records(
    session: Session,
    loaded: dict[str, list[Any]],
    attempts: Mapping[str, AttemptRow],
    workstation_id: str,
) -> dict[str, list[Any]]:
    """``loaded`` (records read back, each with its ``workstation_id``) without those from
    a workstation the attempt was never bound to. An attempt this batch creates is bound
    to the batch's ``workstation_id``; handovers are read (one query) only when some
    attempt has records from elsewhere."""
    bound = {aid: _bound(aid, attempts, workstation_id) for aid in loaded}
    foreign = {
        aid
        for aid, records in loaded.items()
        if any(r.workstation_id != bound[aid] for r in records)
    }
    if not foreign:
        return loaded
    earlier = _handed_from(session, sorted(foreign))
    kept = dict(loaded)
    for aid in foreign:
        allowed = {bound[aid], *earlier.get(aid, ())}
        kept[aid] = [r for r in loaded[aid] if r.workstation_id in allowed]
    return kept


def _bound(aid: str, attempts: Mapping[str, AttemptRow], workstation_id: str) -> str | None:
    attempt = attempts.get(aid)
    return workstation_id if attempt is None else attempt.workstation_id


def _handed_from(session: Session, attempt_ids: list[str]) -> dict[str, set[str]]:
    rows = session.execute(
        select(WorkstationEvent.attempt_id, WorkstationEvent.old_value).where(
            WorkstationEvent.kind == "attempt_handover",
            WorkstationEvent.attempt_id.in_(attempt_ids),
        )
    )
    found: dict[str, set[str]] = {}
    for attempt_id, old in rows:
        if old:
            found.setdefault(str(attempt_id), set()).add(str(old))
    return found
