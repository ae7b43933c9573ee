"""Workstations: their high-water mark and the Ed25519 key that signs their USB bundles."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Workstation, utcnow
from medxam_server.services.errors import Conflict, Invalid
from medxam_server.services.sync_store import insert_for


def decode_public_key(public_key: str) -> Ed25519PublicKey:
    """The key from base64 of its raw 32 bytes; ``Invalid`` for anything else."""
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Invalid("public_key must be base64") from exc
    if len(raw) != 32:
        raise Invalid("public_key must be the raw 32 bytes of an Ed25519 key")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise Invalid("public_key is not an Ed25519 public key") from exc


def register_key(session: Session, workstation_id: str, public_key: str) -> dict[str, Any]:
    """Register the workstation's key; the same key again is fine, another one is 409."""
    decode_public_key(public_key)
    now = utcnow()
    session.execute(
        insert_for(session, Workstation.__table__)
        .values(id=workstation_id, high_water_mark=0, last_seen_at=now)
        .on_conflict_do_nothing()
    )
    workstation = session.scalars(
        select(Workstation).where(Workstation.id == workstation_id).with_for_update()
    ).one()
    if workstation.public_key is None:
        workstation.public_key = public_key
        workstation.key_registered_at = now
    elif workstation.public_key != public_key:
        raise Conflict("this workstation already has a different key registered")
    registered_at: datetime = workstation.key_registered_at or now
    return {
        "workstation_id": workstation.id,
        "public_key": workstation.public_key,
        "registered_at": registered_at,
    }


def sync_state(session: Session, workstation_id: str) -> int:
    """The workstation's high-water mark (0 for one never seen)."""
    hwm = session.scalar(
        select(Workstation.high_water_mark).where(Workstation.id == workstation_id)
    )
    return hwm or 0


def public_key_of(session: Session, workstation_id: str) -> str | None:
    return session.scalar(select(Workstation.public_key).where(Workstation.id == workstation_id))
