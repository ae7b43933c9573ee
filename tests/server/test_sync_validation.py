"""``sync_validation``: the content hash and stored ``data`` text are exactly the canonical
JSON of the record as sent, however the fast path assembles them."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medxam_server.rules.records import (
    MALFORMED,
    Rejection,
    ValidRecord,
    canonical_json,
    checked_record,
    validate_record,
)

UUIDS = st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper())
# Any character but NUL and lone surrogates (which PostgreSQL's jsonb cannot hold, so
# they are rejected): quotes, backslashes, other control characters.
NOT_NUL = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
TEXT = st.text(NOT_NUL, max_size=12)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
# Python takes any one character between the date and the time, a quote included.
TIMES = st.sampled_from(
    [
        "2026-11-24T09:12:03Z",
        "2026-11-24T09:12:03.250+02:00",
        "2026-11-24 09:12:03+00:00",
        '2026-11-24"09:12:03+00:00',
        "2026-11-24\\09:12:03+00:00",
        "2026-11-24\u00e909:12:03+00:00",
    ]
)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["answer.saved", "attempt.incident", "attempt.paused"]))
    if kind == "answer.saved":
        data: dict[str, Any] = {
            "question_id": draw(UUIDS),
            "answer": draw(st.lists(st.text(NOT_NUL, min_size=1, max_size=8), max_size=3)),
        }
        if draw(st.booleans()):
            data["time_spent_ms"] = draw(st.integers(0, 2**40))
        if draw(st.booleans()):
            data["flagged"] = draw(st.booleans())
    elif kind == "attempt.incident":
        data = {"category": draw(TEXT), "note": draw(TEXT)}
        data.update(draw(st.dictionaries(st.sampled_from(["extra", "more"]), JSON_VALUES)))
    else:
        data = {}
    record: dict[str, Any] = {
        "id": draw(UUIDS),
        "seq": draw(st.integers(1, 2**62)),
        "attempt_id": draw(UUIDS),
        "kind": kind,
        "at": draw(TIMES),
    }
    if data or draw(st.booleans()):
        record["data"] = data
    for optional in ("by", "question_id"):
        choice = draw(st.sampled_from(["absent", "null", "uuid"]))
        if choice != "absent":
            record[optional] = None if choice == "null" else draw(UUIDS)
    keys = draw(st.permutations(list(record)))
    return {key: record[key] for key in keys}


@settings(max_examples=300, deadline=None)
@given(records())
def test_hash_and_data_text_are_those_of_the_canonical_json(raw: dict[str, Any]) -> None:
    checked = validate_record(raw)
    assert isinstance(checked, ValidRecord), checked
    assert checked.content_hash == hashlib.sha256(canonical_json(raw)).hexdigest()
    assert checked.data_json == canonical_json(raw.get("data", {})).decode()
    assert json.loads(checked.data_json) == raw.get("data", {})


@st.composite
def usual_answers(draw: st.DrawFn) -> dict[str, Any]:
    """``answer.saved`` records as the desktop writes them, which take the one-pass path."""
    data = {
        "question_id": draw(UUIDS),
        "answer": draw(st.lists(st.text(NOT_NUL, min_size=1, max_size=8), max_size=3)),
        "time_spent_ms": draw(st.integers(0, 2**40)),
        "flagged": draw(st.booleans()),
    }
    record = {
        "id": draw(UUIDS),
        "seq": draw(st.integers(1, 2**62)),
        "attempt_id": draw(UUIDS),
        "kind": "answer.saved",
        "at": draw(TIMES),
        "data": {key: data[key] for key in draw(st.permutations(list(data)))},
    }
    return {key: record[key] for key in draw(st.permutations(list(record)))}


@settings(max_examples=300, deadline=None)
@given(usual_answers())
def test_the_usual_answer_is_checked_as_every_record_is(raw: dict[str, Any]) -> None:
    checked = validate_record(raw)
    assert isinstance(checked, ValidRecord), checked
    assert checked == checked_record(raw)
    assert checked.content_hash == hashlib.sha256(canonical_json(raw)).hexdigest()


def test_a_uuid_with_a_trailing_newline_is_malformed() -> None:
    raw = {
        "id": f"{uuid.uuid4()}\n",
        "seq": 1,
        "attempt_id": str(uuid.uuid4()),
        "kind": "attempt.paused",
        "at": "2026-11-24T09:12:03Z",
    }
    checked = validate_record(raw)
    assert isinstance(checked, Rejection) and checked.reason == MALFORMED


GOOD_ANSWER = {
    "question_id": str(uuid.uuid4()),
    "answer": ["A"],
    "time_spent_ms": 5,
    "flagged": False,
}


@pytest.mark.parametrize(
    "change",
    [
        {"answer": [1]},
        {"answer": [["A"]]},
        {"answer": [{"A": 1}]},
        {"answer": "A"},
        {"answer": ["ABCDEFGHI"]},
        {"answer": [""]},
        {"answer": ["A\x00"]},
        {"answer": ["A"] * 27},
        {"time_spent_ms": True},
        {"time_spent_ms": -1},
        {"time_spent_ms": 1.5},
        {"flagged": 1},
        {"question_id": "not-a-uuid"},
        {"question_id": None},
    ],
)
def test_a_bad_answer_is_malformed(change: dict[str, Any]) -> None:
    validate_record(record_with({**GOOD_ANSWER, "answer": ["A"]}))  # caches ["A"]
    checked = validate_record(record_with({**GOOD_ANSWER, **change}))
    assert isinstance(checked, Rejection) and checked.reason == MALFORMED, checked


def record_with(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "attempt_id": str(uuid.uuid4()),
        "kind": "answer.saved",
        "at": "2026-11-24T09:12:03Z",
        "data": data,
    }
