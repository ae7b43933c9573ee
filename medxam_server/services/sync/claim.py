"""Before the pipeline: claim the batch's Idempotency-Key (API.md rule 5) and the
workstation's row lock, and check that the caller may push for the workstation.

Batches of one workstation then apply one after another, and a key is processed once:
a key already done answers its kept receipt (the same body) or 422 (another body); a
key still being processed answers 409.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from medxam_server.models import utcnow
from medxam_server.services.errors import Conflict, Invalid
from medxam_server.services.sync import custody, statements
from medxam_server.services.sync.batch import Batch
from medxam_server.services.sync.batch_receipt import BatchReceipt, expand

STILL_RUNNING = "this batch is still being processed; try again shortly"


def claim(session: Session, batch: Batch) -> BatchReceipt | None:
    """Take the key and the workstation's row lock; the kept receipt if already done."""
    if not statements.lock_batch_key(session, batch.batch_id):
        raise Conflict(STILL_RUNNING)
    # A write first: on SQLite it takes the database's write lock for the whole batch.
    public_key, owner_id = statements.touch_workstation(
        session, batch.workstation_id, batch.user_id, utcnow()
    )
    if batch.source == "push":  # a bundle's signature was checked whole (bundles.py)
        custody.check_push(
            public_key,
            owner_id,
            batch_id=batch.batch_id,
            body_hash=batch.body_hash,
            signature=batch.signature,
            user_id=batch.user_id,
            admin=batch.admin,
        )
    existing = statements.kept_batch(session, batch.batch_id)
    if existing is None:
        return None
    body_hash, status, receipt = existing
    if body_hash != batch.body_hash:
        raise Invalid("this Idempotency-Key was used for a different batch")
    if status != "done" or receipt is None:
        raise Conflict(STILL_RUNNING)
    return expand(receipt, batch.records)
