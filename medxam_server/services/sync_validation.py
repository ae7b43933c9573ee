"""Checking one sync record's shape (no database): plain dict checks, cheap per record.

A record that fails is rejected with one of the ``reason`` codes below; the rest of its
batch still applies. Unknown top-level record fields are refused (as everywhere in the
API); unknown fields inside ``data`` are kept and ignored, so a newer workstation can
add detail without breaking an older server.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
HEX64_RE = re.compile(r"^[0-9a-f]{64}$")
RECORD_FIELDS = frozenset({"id", "seq", "attempt_id", "kind", "at", "data", "by", "question_id"})
MAX_SEQ = 2**62
MAX_MS = 2**53
MAX_TEXT = 4000

# Reasons a record is rejected (the ``reason`` of a ``rejected`` result).
MALFORMED = "malformed"  # not an object, or a field with the wrong type or format
UNKNOWN_FIELD = "unknown_field"
UNKNOWN_KIND = "unknown_kind"


@dataclass(frozen=True, slots=True)
class ValidRecord:
    id: str  # lower-case, hyphenated
    seq: int
    attempt_id: str
    kind: str
    at: datetime
    data: dict[str, Any]
    by: str | None
    question_id: str | None
    content_hash: str
    canonical: str  # the canonical JSON of the record as sent (what ``content_hash`` hashes)

    @property
    def at_text(self) -> str:
        """``at`` in the ISO form the database parses (what the rows are sent as)."""
        return self.at.isoformat()


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str
    record_id: str | None
    seq: int | None
    attempt_id: str | None


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(value: Any) -> bytes:
    """Canonical JSON (contracts.md): sorted keys, no spaces, UTF-8."""
    return _CANONICAL.encode(value).encode()


def _uuid(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and UUID_RE.match(value) else None


def _int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_uuid(value: Any) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def _is_labels(value: Any) -> bool:
    return (
        isinstance(value, list)
        and len(value) <= 26
        and all(isinstance(v, str) and 0 < len(v) <= 8 for v in value)
    )


def _is_ms(value: Any) -> bool:
    return _int(value, 0, MAX_MS)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_minutes(value: Any) -> bool:
    return _int(value, -1440, 1440)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _is_count(value: Any) -> bool:
    return _int(value, 0, MAX_SEQ)


def _is_hex(value: Any) -> bool:
    return isinstance(value, str) and HEX64_RE.match(value) is not None


# Field rules per kind: name -> (check, required).
KIND_FIELDS: dict[str, dict[str, tuple[Callable[[Any], bool], bool]]] = {
    "attempt.started": {"delivery_id": (_is_uuid, True), "taker_id": (_is_uuid, True)},
    "answer.saved": {
        "question_id": (_is_uuid, True),
        "answer": (_is_labels, True),
        "time_spent_ms": (_is_ms, False),
        "flagged": (_is_bool, False),
    },
    "question.timed": {"question_id": (_is_uuid, True), "time_spent_ms": (_is_ms, True)},
    "attempt.paused": {},
    "attempt.resumed": {},
    "attempt.time_extended": {"minutes": (_is_minutes, True), "reason": (_is_text, False)},
    "attempt.incident": {"category": (_is_text, True), "note": (_is_text, False)},
    "attempt.terminated": {"reason": (_is_text, True)},
    "attempt.finished": {"record_count": (_is_count, True), "digest": (_is_hex, True)},
}


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def validate_record(raw: Any) -> ValidRecord | Rejection:
    """The record, checked and normalised; or why it cannot be accepted."""
    if not isinstance(raw, dict):
        return Rejection(MALFORMED, "a record must be a JSON object", None, None, None)
    record_id = _uuid(raw.get("id"))
    seq = raw.get("seq")
    seq = seq if _int(seq, 1, MAX_SEQ) else None
    attempt_id = _uuid(raw.get("attempt_id"))

    def reject(reason: str, detail: str) -> Rejection:
        """What is readable of the record is kept with the rejection."""
        raw_id, raw_attempt = raw.get("id"), raw.get("attempt_id")
        kept_id = record_id or (str(raw_id)[:64] if raw_id is not None else None)
        kept_attempt = attempt_id or (str(raw_attempt)[:64] if raw_attempt is not None else None)
        return Rejection(reason, detail, kept_id, seq, kept_attempt)

    if not raw.keys() <= RECORD_FIELDS:
        extra = raw.keys() - RECORD_FIELDS
        return reject(UNKNOWN_FIELD, f"unknown record field(s): {', '.join(sorted(extra))}")
    if record_id is None:
        return reject(MALFORMED, "id must be a UUID")
    if seq is None:
        return reject(MALFORMED, "seq must be an integer >= 1")
    if attempt_id is None:
        return reject(MALFORMED, "attempt_id must be a UUID")
    kind = raw.get("kind")
    rules = KIND_FIELDS.get(kind) if isinstance(kind, str) else None
    if rules is None:
        return reject(UNKNOWN_KIND, f"unknown kind {str(kind)[:40]!r}")
    at = _time(raw.get("at"))
    if at is None:
        return reject(MALFORMED, "at must be an RFC 3339 time with a time zone")
    data = raw.get("data", {})
    if not isinstance(data, dict):
        return reject(MALFORMED, "data must be an object")
    for name, (check, required) in rules.items():
        if name not in data:
            if required:
                return reject(MALFORMED, f"data.{name} is required for {kind}")
        elif not check(data[name]):
            return reject(MALFORMED, f"data.{name} has the wrong type or format")
    by = raw.get("by")
    question_id = raw.get("question_id")
    if by is not None and _uuid(by) is None:
        return reject(MALFORMED, "by must be a UUID")
    if question_id is not None and _uuid(question_id) is None:
        return reject(MALFORMED, "question_id must be a UUID")
    canonical = _CANONICAL.encode(raw)
    return ValidRecord(
        id=record_id,
        seq=seq,
        attempt_id=attempt_id,
        kind=str(kind),
        at=at,
        data=data,
        by=by.lower() if by else None,
        question_id=question_id.lower() if question_id else None,
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
        canonical=canonical,
    )
