"""Issue 13: no batch a workstation (or a proctor posing as one) can push makes a read
endpoint fail. Hypothesis draws batches of records with any kind, times with any offset
below 24 hours from year 1 to 9999 (and a few that are not times), data right or wrong
for the kind, and any seqs; each goes through the real app, then every read endpoint
must answer 200 (404 for an attempt that does not exist), never 422 or 500.

Examples are few (the suite runs on two cores): 30 on SQLite, 10 on PostgreSQL.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medxam_server.db.session import transaction
from medxam_server.rules.records import KIND_FIELDS
from medxam_server.rules.time_window import offset_in_use, within_window
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, multiple, single
from tests.server.read_all import read_all
from tests.server.workstation_sim import push

OFFSETS = st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
MOMENTS = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=OFFSETS
) | st.datetimes(
    min_value=datetime(2026, 11, 24), max_value=datetime(2026, 11, 25), timezones=OFFSETS
)
EDGES = st.sampled_from(
    [
        "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00+14:00",
        "2000-01-01T00:00:00+00:01",
        "9998-12-31T23:59:59.999999-00:01",
        "2026-11-24T09:00:00",  # no zone
        "2026-02-30T09:00:00Z",
        "not a time",
        "",
    ]
)
TIMES = (
    MOMENTS.map(lambda m: m.isoformat().replace("+00:00", "Z"))
    | EDGES
    | st.text(max_size=12)
    | st.integers()
)
SEQS = st.integers(1, 40) | st.integers(-3, 0) | st.integers(2**62 - 2, 2**63)
JUNK = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=6)


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(session, questions=[single("B"), multiple("A", "C")], takers=12)


@st.composite
def data_for(draw: st.DrawFn, kind: str, setup: Setup, attempt_id: str) -> Any:
    """Data right for ``kind`` most of the time, with any field now and then wrong."""
    question = draw(st.sampled_from([*setup.question_ids, str(uuid.uuid4())]))
    right: dict[str, Any] = {
        "attempt.started": {
            "delivery_id": draw(st.sampled_from([setup.delivery_id, str(uuid.uuid4())])),
            "taker_id": draw(st.sampled_from(setup.taker_ids)),
        },
        "answer.saved": {
            "question_id": question,
            "answer": draw(st.lists(st.sampled_from("ABCDEZ"), max_size=3, unique=True)),
            "time_spent_ms": draw(st.integers(0, 10**7)),
            "flagged": draw(st.booleans()),
        },
        "question.timed": {"question_id": question, "time_spent_ms": draw(st.integers(0, 99))},
        "attempt.time_extended": {"minutes": draw(st.integers(-300, 300)), "reason": "r"},
        "attempt.incident": {"category": "noise", "note": draw(st.text(max_size=8))},
        "attempt.terminated": {"reason": "ended"},
        "attempt.finished": {"record_count": draw(st.integers(0, 9)), "digest": "0" * 64},
    }.get(kind, {})
    if right and draw(st.integers(0, 4)) == 0:
        right[draw(st.sampled_from(sorted(right)))] = draw(JUNK)
    return right if draw(st.integers(0, 19)) else draw(JUNK)


@st.composite
def batches(draw: st.DrawFn, setup: Setup) -> tuple[list[dict[str, Any]], list[str]]:
    attempts = [str(uuid.uuid4()) for _ in range(draw(st.integers(1, 2)))]
    kinds = st.sampled_from([*KIND_FIELDS, "attempt.started", "attempt.exploded"])
    records = []
    for index in range(draw(st.integers(1, 8))):
        attempt_id = draw(st.sampled_from(attempts))
        kind = "attempt.started" if index == 0 else draw(kinds)
        record: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "seq": index + 1 if draw(st.integers(0, 3)) else draw(SEQS),
            "attempt_id": attempt_id,
            "kind": kind,
            "at": draw(TIMES),
            "data": draw(data_for(kind, setup, attempt_id)),
        }
        if draw(st.integers(0, 9)) == 0:
            record["by"] = draw(st.sampled_from([None, str(uuid.uuid4()), "me"]))
        records.append(record)
    return records, attempts


def test_no_accepted_push_makes_a_read_endpoint_fail(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup, database_url: str
) -> None:
    examples = 30 if database_url.startswith("sqlite") else 10

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(batch=batches(setup))
    def pushed_then_read(batch: tuple[list[dict[str, Any]], list[str]]) -> None:
        records, attempt_ids = batch
        response = push(client, proctor, str(uuid.uuid4()), records)
        assert response.status_code == 200, response.text
        body = response.json()
        for record, result in zip(records, body["results"], strict=True):
            if result["status"] == "accepted":  # only a time inside the window gets in
                at = datetime.fromisoformat(record["at"])
                assert within_window(at) and offset_in_use(at), record
        codes = [s["receipt_code"] for s in body["attempts"] if s["receipt_code"]]
        found = read_all(
            client,
            admin,
            delivery_ids=[setup.delivery_id],
            attempt_ids=attempt_ids,
            receipt_codes=codes,
            filters=[f"taker_id={setup.taker_ids[0]}", f"exam_id={setup.exam_id}"],
            every_listed=False,
        )
        listed = client.get("/api/attempts?per_page=500", headers=admin.headers).json()
        existing = {item["id"] for item in listed["items"]}
        for path, status in found.items():
            missing = any(a in path and a not in existing for a in attempt_ids)
            assert status == (404 if missing else 200), (path, status, records)

    pushed_then_read()
