"""A batch's receipt (API.md "Batch sync"): what the service answers, and the compact
form kept with its Idempotency-Key, from which a replayed key answers the same receipt.

A receipt lists every record of the batch, nearly all ``accepted`` or ``duplicate``. The
kept copy holds those statuses as one character each; the ids come back from the
replayed body, which rule 5 guarantees is the same (its hash is kept with the key). A
rejected result is kept whole. The per-record results stay plain dicts, made once per
record by the stages (B4 ingests a thousand records a batch); the router writes them
out as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from medxam_server.rules.records import Rejection, ValidRecord

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REJECTED = "rejected"
PLAIN_STATUSES = (ACCEPTED, DUPLICATE)  # a result of just {"id", "status"}
_CODES = {ACCEPTED: "a", DUPLICATE: "d"}
_STATUSES = {code: status for status, code in _CODES.items()}
REJECTED_CODE = "r"

RecordResult = dict[str, Any]  # {"id", "status"}, plus "reason" and "detail" if rejected


@dataclass(frozen=True, slots=True)
class AttemptReceipt:
    """What the batch left an attempt it names with (``records`` held in all)."""

    attempt_id: str
    records: int
    integrity: str  # complete | incomplete | unverified
    missing_seq: list[int]
    receipt_code: str | None  # finished attempts only


@dataclass(frozen=True, slots=True)
class BatchReceipt:
    batch_id: str
    server_time: datetime
    high_water_mark: int
    results: list[RecordResult]  # one per record, in the batch's order
    attempts: list[AttemptReceipt]  # one per attempt the batch names, by id


def plain(record: ValidRecord, status: str) -> RecordResult:
    """The result of a record that was not rejected."""
    return {"id": record.id, "status": status}


def rejected(rejection: Rejection) -> RecordResult:
    return {
        "id": rejection.record_id,
        "status": REJECTED,
        "reason": rejection.reason,
        "detail": rejection.detail,
    }


def time_text(moment: datetime) -> str:
    """The receipt's ``server_time`` as answered and kept (RFC 3339, ``Z`` for UTC)."""
    return moment.isoformat().replace("+00:00", "Z")


def compact(receipt: BatchReceipt) -> dict[str, Any]:
    """What is kept with the key: the receipt with its results as status codes."""
    codes, kept_rejected = [], []
    for index, result in enumerate(receipt.results):
        code = _CODES.get(result["status"]) if len(result) == 2 else None
        if code is None:
            codes.append(REJECTED_CODE)
            kept_rejected.append([index, result])
        else:
            codes.append(code)
    return {
        "batch_id": receipt.batch_id,
        "server_time": time_text(receipt.server_time),
        "high_water_mark": receipt.high_water_mark,
        "attempts": [_attempt_dict(a) for a in receipt.attempts],
        "statuses": "".join(codes),
        "rejected": kept_rejected,
    }


def _attempt_dict(attempt: AttemptReceipt) -> dict[str, Any]:
    return {
        "attempt_id": attempt.attempt_id,
        "records": attempt.records,
        "integrity": attempt.integrity,
        "missing_seq": attempt.missing_seq,
        "receipt_code": attempt.receipt_code,
    }


def expand(kept: dict[str, Any], records: list[Any]) -> BatchReceipt:
    """The receipt as first answered, from what was kept and the replayed records."""
    if "results" in kept:  # kept whole (before receipts were kept compact)
        results = kept["results"]
    else:
        rejected_at = {index: result for index, result in kept["rejected"]}
        results = []
        for index, (code, raw) in enumerate(zip(kept["statuses"], records, strict=True)):
            if code == REJECTED_CODE:
                results.append(rejected_at[index])
            else:
                results.append({"id": raw["id"].lower(), "status": _STATUSES[code]})
    return BatchReceipt(
        batch_id=kept["batch_id"],
        server_time=datetime.fromisoformat(kept["server_time"]),
        high_water_mark=kept["high_water_mark"],
        results=results,
        attempts=[AttemptReceipt(**attempt) for attempt in kept["attempts"]],
    )
