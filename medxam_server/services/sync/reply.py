"""A batch's receipt (API.md "Batch sync"): kept compact with its Idempotency-Key, and
encoded for the answer without a JSON encoder call per record (B4).

A receipt lists every record of the batch, nearly all ``accepted`` or ``duplicate``. The
kept copy holds those statuses as one character each; the ids come back from the
replayed body, which rule 5 guarantees is the same (its hash is kept with the key). A
rejected result is kept whole.
"""

from __future__ import annotations

import json
from typing import Any

from medxam_server.rules.records import ValidRecord

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
_CODES = {ACCEPTED: "a", DUPLICATE: "d"}
_STATUSES = {code: status for status, code in _CODES.items()}
REJECTED_CODE = "r"


def plain(record: ValidRecord, status: str) -> dict[str, Any]:
    """The result of a record that was not rejected."""
    return {"id": record.id, "status": status}


def compact(receipt: dict[str, Any]) -> dict[str, Any]:
    """What is kept with the key: the receipt with its results as status codes."""
    codes, rejected = [], []
    for index, result in enumerate(receipt["results"]):
        code = _CODES.get(result["status"]) if len(result) == 2 else None
        if code is None:
            codes.append(REJECTED_CODE)
            rejected.append([index, result])
        else:
            codes.append(code)
    kept = {key: value for key, value in receipt.items() if key != "results"}
    return kept | {"statuses": "".join(codes), "rejected": rejected}


def expand(kept: dict[str, Any], records: list[Any]) -> dict[str, Any]:
    """The receipt as first answered, from what was kept and the replayed records."""
    if "results" in kept:  # kept whole (before receipts were kept compact)
        return kept
    rejected = {index: result for index, result in kept["rejected"]}
    results = []
    for index, (code, raw) in enumerate(zip(kept["statuses"], records, strict=True)):
        if code == REJECTED_CODE:
            results.append(rejected[index])
        else:
            results.append({"id": raw["id"].lower(), "status": _STATUSES[code]})
    receipt = {k: v for k, v in kept.items() if k not in ("statuses", "rejected")}
    return receipt | {"results": results}


def encode(receipt: dict[str, Any]) -> bytes:
    """The receipt as JSON with sorted keys (so a replay answers the same bytes, whatever
    order the database kept them in); the plain results are written directly."""
    results = ",".join(
        f'{{"id":"{result["id"]}","status":"{result["status"]}"}}'
        if len(result) == 2 and result["status"] in _CODES
        else _dumps(result)
        for result in receipt["results"]
    )
    members = (
        f"{_dumps(key)}:{f'[{results}]' if key == 'results' else _dumps(receipt[key])}"
        for key in sorted(receipt)
    )
    return f"{{{','.join(members)}}}".encode()


def _dumps(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=True
    )
