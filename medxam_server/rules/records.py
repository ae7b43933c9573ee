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
from datetime import UTC, datetime
from json.encoder import encode_basestring
from typing import Any

from medxam_server.rules.time_window import (
    EARLIEST,
    LATEST,
    OFFSET_TEXT,
    WINDOW_TEXT,
    offset_in_use,
    within_window,
)

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
HEX64_RE = re.compile(r"^[0-9a-f]{64}\Z")
RECORD_FIELDS = frozenset({"id", "seq", "attempt_id", "kind", "at", "data", "by", "question_id"})
MAX_SEQ = 2**62
MAX_MS = 2**53
MAX_TEXT = 4000

# Reasons a record is rejected (the ``reason`` of a ``rejected`` result).
MALFORMED = "malformed"  # not an object, a field with the wrong type or format, or a time
# outside the years 2000-9998 in UTC (``time_window``)
UNKNOWN_FIELD = "unknown_field"
UNKNOWN_KIND = "unknown_kind"


@dataclass(slots=True)
class ValidRecord:
    id: str  # lower-case, hyphenated
    seq: int
    attempt_id: str
    kind: str
    at: datetime
    data: dict[str, Any]
    by: str | None
    question_id: str | None
    content_hash: str  # SHA-256 of the canonical JSON of the record as sent
    data_json: str  # the canonical JSON of ``data`` (what is stored)
    at_text: str  # ``at`` as RFC 3339 text, for COPY (``time_text``)


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: str
    detail: str
    record_id: str | None
    seq: int | None
    attempt_id: str | None


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


# JSON text holding an escaped NUL character: ``\u0000`` after an even number of
# backslashes. PostgreSQL's jsonb and text cannot store that character; a record's data
# is a json column (migration 0004), which could, but is refused alike so that no value
# the server keeps depends on which column type it landed in.
_NUL_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")


def has_nul(json_text: str) -> bool:
    """Whether the JSON text holds the NUL character somewhere."""
    return "\\u0000" in json_text and _NUL_ESCAPE.search(json_text) is not None


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
        and all(isinstance(v, str) and 0 < len(v) <= 8 and "\x00" not in v for v in value)
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


# RFC 3339 as PostgreSQL reads it exactly as ``datetime.fromisoformat`` does (at most
# microseconds, an explicit offset).
_RFC3339_MATCH = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})\Z"
).match


def time_text(raw: str, parsed: datetime) -> str:
    """The text to send PostgreSQL for a checked time: as sent when it is plain RFC 3339,
    else ``isoformat()`` (which costs about a microsecond, twice per record)."""
    return raw if _RFC3339_MATCH(raw) is not None else parsed.isoformat()


def _time(value: Any) -> datetime | None:
    """The time, when it is RFC 3339 text with a time zone inside ``time_window`` (its
    instant and its offset)."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    tz = parsed.tzinfo
    if tz is None or not EARLIEST <= parsed <= LATEST:
        return None
    if tz is not UTC and not offset_in_use(parsed):  # "Z" and "+00:00" give UTC itself
        return None
    return parsed


def _time_problem(value: Any) -> str:
    """Why ``_time(value)`` is None (only asked for a rejected record)."""
    try:
        parsed = datetime.fromisoformat(value) if len(value) <= 40 else None
    except ValueError:
        parsed = None
    if parsed is not None and parsed.tzinfo is not None:
        return (
            f"at must have {OFFSET_TEXT}" if within_window(parsed) else f"at must be {WINDOW_TEXT}"
        )
    return "at must be an RFC 3339 time with a time zone"


def _rejection(raw: dict[str, Any], reason: str, detail: str) -> Rejection:
    """What is readable of the record is kept with the rejection."""
    record_id, attempt_id = _uuid(raw.get("id")), _uuid(raw.get("attempt_id"))
    seq = raw.get("seq")
    raw_id, raw_attempt = raw.get("id"), raw.get("attempt_id")
    return Rejection(
        reason,
        detail,
        record_id or (str(raw_id)[:64] if raw_id is not None else None),
        seq if _int(seq, 1, MAX_SEQ) else None,
        attempt_id or (str(raw_attempt)[:64] if raw_attempt is not None else None),
    )


def validate_record(raw: Any) -> ValidRecord | Rejection:
    """The record, checked and normalised; or why it cannot be accepted.

    Runs for every record of every batch (B4), so the checks are inline and the
    canonical JSON is assembled from the checked fields (``_canonical_record``); the
    usual record, an ``answer.saved`` as the desktop writes it, is checked in one pass.
    """
    if type(raw) is dict and len(raw) == 6 and raw.get("kind") == "answer.saved":
        usual = _usual_answer(raw)
        if usual is not None:
            return usual
    return checked_record(raw)


def _usual_answer(raw: dict[str, Any]) -> ValidRecord | None:
    """``checked_record(raw)`` for an ``answer.saved`` record of six fields whose every
    check passes; None for anything else, which ``checked_record`` then judges."""
    rid, seq, aid = raw.get("id"), raw.get("seq"), raw.get("attempt_id")
    raw_at, data = raw.get("at"), raw.get("data")
    if not (  # with "kind", these five present make the six fields: none is unknown
        type(rid) is str
        and _UUID_MATCH(rid) is not None
        and type(seq) is int
        and 1 <= seq <= MAX_SEQ
        and type(aid) is str
        and _UUID_MATCH(aid) is not None
        and type(raw_at) is str
        and type(data) is dict
    ):
        return None
    at = _time(raw_at)
    data_json = _answer_saved_json(data)
    if at is None or data_json is None:
        return None
    canonical = (
        f'{{"at":{encode_basestring(raw_at)},"attempt_id":"{aid}","data":{data_json},'
        f'"id":"{rid}","kind":"answer.saved","seq":{seq}}}'
    )
    try:
        content_hash = hashlib.sha256(canonical.encode()).hexdigest()
    except UnicodeEncodeError:
        return None
    return ValidRecord(
        rid.lower(),
        seq,
        aid.lower(),
        "answer.saved",
        at,
        data,
        None,
        None,
        content_hash,
        data_json,
        time_text(raw_at, at),
    )


def checked_record(raw: Any) -> ValidRecord | Rejection:
    """``validate_record`` for any record: every check in turn."""
    if type(raw) is not dict:
        return Rejection(MALFORMED, "a record must be a JSON object", None, None, None)
    if not raw.keys() <= RECORD_FIELDS:
        extra = ", ".join(sorted(raw.keys() - RECORD_FIELDS))
        return _rejection(raw, UNKNOWN_FIELD, f"unknown record field(s): {extra}")
    raw_id, seq, raw_attempt = raw.get("id"), raw.get("seq"), raw.get("attempt_id")
    if type(raw_id) is not str or _UUID_MATCH(raw_id) is None:
        return _rejection(raw, MALFORMED, "id must be a UUID")
    if type(seq) is not int or not 1 <= seq <= MAX_SEQ:
        return _rejection(raw, MALFORMED, "seq must be an integer >= 1")
    if type(raw_attempt) is not str or _UUID_MATCH(raw_attempt) is None:
        return _rejection(raw, MALFORMED, "attempt_id must be a UUID")
    kind, raw_at = raw.get("kind"), raw.get("at")
    if type(kind) is not str or (rules := KIND_FIELDS.get(kind)) is None:
        return _rejection(raw, UNKNOWN_KIND, f"unknown kind {str(kind)[:40]!r}")
    if type(raw_at) is not str:
        return _rejection(raw, MALFORMED, "at must be an RFC 3339 time with a time zone")
    if (at := _time(raw_at)) is None:
        return _rejection(raw, MALFORMED, _time_problem(raw_at))
    data = raw.get("data", {})
    if type(data) is not dict:
        return _rejection(raw, MALFORMED, "data must be an object")
    data_json = _answer_saved_json(data) if kind == "answer.saved" else None
    if data_json is None:
        for name, (check, required) in rules.items():
            if name not in data:
                if required:
                    return _rejection(raw, MALFORMED, f"data.{name} is required for {kind}")
            elif not check(data[name]):
                return _rejection(raw, MALFORMED, f"data.{name} has the wrong type or format")
        data_json = _CANONICAL.encode(data)
        if has_nul(data_json):
            return _rejection(raw, MALFORMED, "data must not contain the NUL character")
    by, question_id = raw.get("by"), raw.get("question_id")
    if by is not None and _uuid(by) is None:
        return _rejection(raw, MALFORMED, "by must be a UUID")
    if question_id is not None and _uuid(question_id) is None:
        return _rejection(raw, MALFORMED, "question_id must be a UUID")
    canonical = _canonical_record(raw, raw_id, seq, raw_attempt, kind, raw_at, data_json)
    try:
        content_hash = hashlib.sha256(canonical.encode()).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate (JSON's "\ud800"), which UTF-8 cannot hold
        return _rejection(raw, MALFORMED, "text must be valid Unicode")
    return ValidRecord(
        raw_id.lower(),
        seq,
        raw_attempt.lower(),
        kind,
        at,
        data,
        by.lower() if by else None,
        question_id.lower() if question_id else None,
        content_hash,
        data_json,
        time_text(raw_at, at),
    )


_UUID_MATCH = UUID_RE.match
_LABELS_JSON: dict[tuple[str, ...], str] = {}
_ONE_LABEL_JSON: dict[str, str] = {}


def labels_json(labels: list[Any]) -> str | None:
    """The canonical JSON of an answer (a list of option labels), or None when it is not
    one; the few distinct answers of an exam are encoded once."""
    if len(labels) == 1 and type(labels[0]) is str:  # the usual answer: one label
        found = _ONE_LABEL_JSON.get(labels[0])
        if found is not None:
            return found
    try:  # an answer seen before is a valid one: only lists of labels are cached
        found = _LABELS_JSON.get(tuple(labels))
    except TypeError:  # an unhashable label
        return None
    if found is None:
        if not _is_labels(labels):
            return None
        found = _CANONICAL.encode(labels)
        if len(_LABELS_JSON) < 4096:
            _LABELS_JSON[tuple(labels)] = found
            if len(labels) == 1:
                _ONE_LABEL_JSON[labels[0]] = found
    return found


def _answer_saved_json(data: dict[str, Any]) -> str | None:
    """The canonical JSON of the usual ``answer.saved`` data (all four fields, each as
    ``KIND_FIELDS`` asks), checked and written in one go; None for anything else, which
    the general checks then judge."""
    if len(data) != 4:  # then the four checked below are all its keys
        return None
    question_id, labels = data.get("question_id"), data.get("answer")
    flagged, ms = data.get("flagged"), data.get("time_spent_ms")
    if not (
        type(question_id) is str
        and _UUID_MATCH(question_id) is not None
        and type(ms) is int
        and 0 <= ms <= MAX_MS
        and type(flagged) is bool
        and type(labels) is list
    ):
        return None
    answer = labels_json(labels)
    if answer is None:
        return None
    return (
        f'{{"answer":{answer},"flagged":{"true" if flagged else "false"},'
        f'"question_id":"{question_id}","time_spent_ms":{ms}}}'
    )


def _canonical_record(
    raw: dict[str, Any], rid: str, seq: int, aid: str, kind: str, at: str, data_json: str
) -> str:
    """``canonical_json(raw)`` for a checked record, assembled from its fields: every
    value but ``data`` and ``at`` is a UUID, an integer or a known kind (JSON needing no
    escapes), and keys come in sorted order."""
    head = f'{{"at":{encode_basestring(at)},"attempt_id":"{aid}",'
    if "by" not in raw and "question_id" not in raw:  # as the desktop sends them
        if "data" not in raw:
            return f'{head}"id":"{rid}","kind":"{kind}","seq":{seq}}}'
        return f'{head}"data":{data_json},"id":"{rid}","kind":"{kind}","seq":{seq}}}'
    parts = [head]
    if "by" in raw:
        by = raw["by"]
        parts.append('"by":null,' if by is None else f'"by":"{by}",')
    if "data" in raw:
        parts.append(f'"data":{data_json},')
    parts.append(f'"id":"{rid}","kind":"{kind}",')
    if "question_id" in raw:
        qid = raw["question_id"]
        parts.append('"question_id":null,' if qid is None else f'"question_id":"{qid}",')
    parts.append(f'"seq":{seq}}}')
    return "".join(parts)
