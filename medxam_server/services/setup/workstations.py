"""Workstations: their high-water mark, owner, and the Ed25519 key that signs their
USB bundles and pushes (docs/api.md, Security model)."""

from __future__ import annotations

import base64
import binascii
import logging
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.db.dialect import insert_for
from medxam_server.models import Workstation, WorkstationEvent, utcnow
from medxam_server.rules.ed25519 import key_problem
from medxam_server.services.errors import Conflict, Forbidden, Invalid

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RegisteredKey:
    """The key a workstation's pushes and bundles are checked against, and since when."""

    workstation_id: str
    public_key: str
    registered_at: datetime


def decode_public_key(public_key: str) -> Ed25519PublicKey:
    """The key from base64 of its raw 32 bytes; ``Invalid`` for anything else, including
    a weak key (a point of small order, all zeros among them) or bytes that are not a
    point of the curve (``medxam_server.rules.ed25519``)."""
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("public_key must be base64") from exc
    if len(raw) != 32:
        raise Invalid("public_key must be the raw 32 bytes of an Ed25519 key")
    problem = key_problem(raw)
    if problem is not None:
        raise Invalid(
            f"public_key is not a usable Ed25519 public key: {problem}",
            errors=[{"loc": ["body", "public_key"], "msg": problem}],
        )
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise Invalid("public_key is not an Ed25519 public key") from exc


def register_key(
    session: Session, workstation_id: str, public_key: str, *, user_id: str, admin: bool
) -> RegisteredKey:
    """Register the workstation's key (issue 13, finding 5).

    - A workstation never seen: the key is registered and the caller becomes its owner.
    - One without a key: its owner or an admin registers it (403 for anyone else).
    - The same key again: fine for anyone (nothing changes).
    - Another key: an admin replaces it (recorded); anyone else gets 409.
    """
    decode_public_key(public_key)
    now = utcnow()
    session.execute(
        insert_for(session, Workstation.__table__)
        .values(id=workstation_id, high_water_mark=0, last_seen_at=now, owner_id=user_id)
        .on_conflict_do_nothing()
    )
    workstation = session.scalars(
        select(Workstation).where(Workstation.id == workstation_id).with_for_update()
    ).one()
    if workstation.public_key == public_key:
        pass
    elif workstation.public_key is None:
        if workstation.owner_id not in (None, user_id) and not admin:
            raise Forbidden(
                "this workstation belongs to another user: only they or an admin may "
                "register its key"
            )
        _set_key(session, workstation, public_key, user_id, now, "key_registered")
    elif admin:
        _set_key(session, workstation, public_key, user_id, now, "key_replaced")
    else:
        raise Conflict(
            "this workstation already has a different key registered; only an admin can replace it"
        )
    return RegisteredKey(
        workstation_id=workstation.id,
        public_key=public_key,
        registered_at=workstation.key_registered_at or now,
    )


def _set_key(
    session: Session,
    workstation: Workstation,
    public_key: str,
    user_id: str,
    now: datetime,
    kind: str,
) -> None:
    session.add(
        WorkstationEvent(
            workstation_id=workstation.id,
            kind=kind,
            old_value=workstation.public_key,
            new_value=public_key,
            reason="replaced by an admin" if kind == "key_replaced" else "",
            by_user_id=user_id,
            at=now,
        )
    )
    log.info("workstation %s: %s by user %s", workstation.id, kind, user_id)
    workstation.public_key = public_key
    workstation.key_registered_at = now
    if workstation.owner_id is None:
        workstation.owner_id = user_id


def sync_state(session: Session, workstation_id: str) -> int:
    """The workstation's high-water mark (0 for one never seen)."""
    hwm = session.scalar(
        select(Workstation.high_water_mark).where(Workstation.id == workstation_id)
    )
    return hwm or 0


def public_key_of(session: Session, workstation_id: str) -> str | None:
    return session.scalar(select(Workstation.public_key).where(Workstation.id == workstation_id))
