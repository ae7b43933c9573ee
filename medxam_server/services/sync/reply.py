"""Stage 6, reply: the batch's receipt, kept with its Idempotency-Key (API.md rule 5)
in the same transaction, so a replayed key answers it again (``claim``).
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from medxam_server.services.sync import statements
from medxam_server.services.sync.batch_receipt import AttemptReceipt, BatchReceipt, compact
from medxam_server.services.sync.batch_state import BatchState
from medxam_server.services.sync.held_records import NONE_HELD

log = logging.getLogger(__name__)


def keep_receipt(session: Session, state: BatchState) -> BatchReceipt:
    """The receipt of the batch, written with its key (compact, ``batch_receipt``)."""
    batch, attempts = state.batch, state.attempts
    receipt = BatchReceipt(
        batch_id=batch.batch_id,
        server_time=state.now,
        high_water_mark=state.high_water_mark,
        results=state.results,
        attempts=[
            AttemptReceipt(
                attempt_id=aid,
                records=state.held.get(aid, NONE_HELD).count,
                integrity=attempts[aid].integrity if aid in attempts else "unverified",
                missing_seq=state.missing.get(aid, []),
                receipt_code=attempts[aid].receipt_code if aid in attempts else None,
            )
            for aid in state.attempt_ids
        ],
    )
    statements.keep_batch(session, batch, compact(receipt), state.now)
    log.info(
        "batch %s from workstation %s: %d accepted, %d rejected",
        batch.batch_id,
        batch.workstation_id,
        len(state.applied),
        len(state.rejected),
    )
    return receipt
