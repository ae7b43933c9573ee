"""Stage 1, classify: each record's shape (``rules.records``), and what the batch says
against itself, before anything is asked of the database.

A well-formed record is a candidate unless an earlier record of the same batch has its
id (the same content: a ``duplicate``; another: ``conflicting_duplicate``) or its seq
(``seq_conflict``). The rest of the pipeline sees only candidates and rejections.
"""

from __future__ import annotations

from medxam_server.rules.records import Rejection, ValidRecord, validate_record
from medxam_server.services.sync.batch_receipt import DUPLICATE, RecordResult, plain
from medxam_server.services.sync.batch_state import BatchState

CONFLICTING_DUPLICATE = "conflicting_duplicate"
SEQ_CONFLICT = "seq_conflict"


def classify_records(state: BatchState) -> None:
    """Fill ``results`` (in-batch duplicates), ``rejected``, ``candidates`` and ``seqs``."""
    results: list[RecordResult] = [{} for _ in state.batch.records]
    rejected, candidates, seqs = state.rejected, state.candidates, state.seqs
    hashes: dict[str, str] = {}  # candidate id -> content hash
    for index, raw in enumerate(state.batch.records):
        checked = validate_record(raw)
        if isinstance(checked, Rejection):
            rejected.append((index, checked))
        elif checked.id in hashes:
            if hashes[checked.id] == checked.content_hash:
                results[index] = plain(checked, DUPLICATE)
            else:
                rejected.append((index, conflict(checked, CONFLICTING_DUPLICATE)))
        elif checked.seq in seqs:
            rejected.append((index, conflict(checked, SEQ_CONFLICT)))
        else:
            hashes[checked.id] = checked.content_hash
            seqs.add(checked.seq)
            candidates.append((index, checked))
    state.results = results


def conflict(record: ValidRecord, reason: str) -> Rejection:
    """The rejection of a record whose id or seq another record already holds."""
    detail = (
        "a different record with this id is already held; the first copy stays"
        if reason == CONFLICTING_DUPLICATE
        else "another record already holds this workstation seq"
    )
    return Rejection(reason, detail, record.id, record.seq, record.attempt_id)
