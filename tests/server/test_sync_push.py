"""``POST /api/sync/push`` and ``GET /api/sync/state``: rules 1-7 of API.md, F4 and F5."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import AttemptQuestion, IntegrityAlert, QuarantinedRecord, SyncRecord
from tests.server.conftest import SignedIn, row_count
from tests.server.factories import Setup, make_setup, multiple, single
from tests.server.workstation_sim import WorkstationSim, push, statuses


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(
            session,
            questions=[single("B", penalty=0.5), multiple("A", "C", points=2), single("D")],
            takers=2,
        )


def answers(client: TestClient, who: SignedIn, attempt_id: str) -> dict[str, Any]:
    response = client.get(f"/api/attempts/{attempt_id}/answers", headers=who.headers)
    assert response.status_code == 200, response.text
    return {a["question_id"]: (a["answer"], a["time_spent_ms"]) for a in response.json()}


def test_a_whole_attempt_in_one_batch_is_scored_complete_and_has_a_receipt(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, q3 = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["A"], 1000)
    ws.answer(attempt_id, q2, ["C", "A"], 2000)
    ws.timed(attempt_id, q3, 500)
    ws.answer(attempt_id, q1, ["B"], 3000)
    ws.finish(attempt_id)
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert statuses(response) == ["accepted"] * 6
    assert receipt["high_water_mark"] == 6
    [summary] = receipt["attempts"]
    assert summary["attempt_id"] == attempt_id and summary["records"] == 6
    assert (summary["integrity"], summary["missing_seq"]) == ("complete", [])
    code = summary["receipt_code"]
    assert len(code) == 9 and code[4] == "-"

    attempt = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    assert attempt["status"] == "finished" and attempt["integrity"] == "complete"
    assert (attempt["score"], attempt["total"], attempt["max_score"]) == (3, 3, 4)
    assert attempt["workstation_id"] == ws.id and attempt["created_by"] == proctor.user_id
    assert answers(client, proctor, attempt_id) == {
        q1: (["B"], 3000),
        q2: (["C", "A"], 2000),
        q3: ([], 500),
    }
    verified = client.get(f"/api/receipts/{code.lower().replace('-', '')}", headers=admin.headers)
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert body["attempt_id"] == attempt_id and body["integrity"] == "complete"
    assert body["record_count"] == 5 and body["taker"]["id"] == setup.taker_ids[0]
    assert client.get(f"/api/receipts/{code}", headers=proctor.headers).status_code == 403
    assert client.get("/api/receipts/AAAA-AAAA", headers=admin.headers).status_code == 404
    state = client.get(f"/api/sync/state?workstation_id={ws.id}", headers=proctor.headers)
    assert state.json()["high_water_mark"] == 6
    unknown = client.get(f"/api/sync/state?workstation_id={uuid.uuid4()}", headers=proctor.headers)
    assert unknown.json()["high_water_mark"] == 0


def test_idempotency_key_replays_the_receipt_and_refuses_another_body(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id, key = WorkstationSim(), str(uuid.uuid4()), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, setup.question_ids[0], ["B"])
    ws.answer(attempt_id, setup.question_ids[1], ["Z"])  # no option Z: rejected
    shouting = ws.answer(attempt_id, setup.question_ids[2], ["D"])
    shouting["id"] = shouting["id"].upper()  # answered lower-case
    sent = [*ws.records, ws.records[1]]  # the last one twice: a duplicate in the batch
    first = push(client, proctor, ws.id, sent, key=key)
    assert statuses(first) == ["accepted", "accepted", "rejected", "accepted", "duplicate"]
    again = push(client, proctor, ws.id, sent, key=key)
    assert first.status_code == again.status_code == 200
    assert first.content == again.content  # the very same receipt, byte for byte
    assert first.json()["results"][3]["id"] == shouting["id"].lower()
    ws.records[:] = ws.records[:2]
    other = push(client, proctor, ws.id, ws.records[:1], key=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    # F2, answer lost after commit: the workstation resends under a new key too.
    resent = push(client, proctor, ws.id, ws.records)
    assert statuses(resent) == ["duplicate", "duplicate"]
    assert row_count(app, SyncRecord) == 3  # the rejected one is in quarantine
    no_key = client.post(
        "/api/sync/push",
        json={"protocol": 1, "workstation_id": ws.id, "records": []},
        headers=proctor.headers,
    )
    assert no_key.status_code == 422
    bad_key = push(client, proctor, ws.id, [], key="not-a-uuid")
    assert bad_key.status_code == 422


def test_conflicting_duplicates_and_reused_seqs_are_rejected_and_alerted(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    original = ws.answer(attempt_id, setup.question_ids[0], ["B"])
    push(client, proctor, ws.id, ws.records)
    forged = {**original, "data": {**original["data"], "answer": ["A"]}}
    reused_seq = {**original, "id": str(uuid.uuid4())}
    response = push(client, proctor, ws.id, [forged, reused_seq])
    assert [(r["status"], r["reason"]) for r in response.json()["results"]] == [
        ("rejected", "conflicting_duplicate"),
        ("rejected", "seq_conflict"),
    ]
    assert answers(client, proctor, attempt_id)[setup.question_ids[0]][0] == ["B"]
    assert row_count(app, SyncRecord) == 2
    assert row_count(app, IntegrityAlert) == 2
    assert row_count(app, QuarantinedRecord) == 2
    # Sent again (a lost answer, a server restore): answered the same, kept and alerted once.
    for _ in range(2):
        again = push(client, proctor, ws.id, [forged, reused_seq])
        assert again.json()["results"] == response.json()["results"]
    assert row_count(app, IntegrityAlert) == 2
    assert row_count(app, QuarantinedRecord) == 2
    other_forgery = {**original, "data": {**original["data"], "answer": ["C"]}}
    assert statuses(push(client, proctor, ws.id, [other_forgery])) == ["rejected"]
    assert row_count(app, IntegrityAlert) == 3
    assert row_count(app, QuarantinedRecord) == 3


def test_f5_an_invalid_record_is_quarantined_and_the_rest_flows(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["Z"])  # no option Z
    ws.answer(attempt_id, q2, ["A"])
    broken = ws.record(attempt_id, "answer.saved", {"question_id": q1, "answer": "B"})
    ws.record(attempt_id, "attempt.paused", {})["colour"] = "red"
    response = push(client, proctor, ws.id, ws.records)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "rejected", "accepted"] + ["rejected"] * 2
    assert [r.get("reason") for r in results[1::2]] == ["unknown_option", "malformed"]
    assert results[4]["reason"] == "unknown_field"
    assert results[3]["id"] == broken["id"]
    assert response.json()["high_water_mark"] == 5  # quarantined records are held too
    with transaction(app.state.session_factory) as session:
        kept = session.scalars(select(QuarantinedRecord)).all()
        assert {q.record_id for q in kept} == {results[i]["id"] for i in (1, 3, 4)}
        assert all(q.payload["attempt_id"] == attempt_id for q in kept)
    resent = push(client, proctor, ws.id, ws.records)  # with a new key: kept once
    assert [r.get("reason") for r in resent.json()["results"]] == [
        None,
        "unknown_option",
        None,
        "malformed",
        "unknown_field",
    ]
    assert row_count(app, QuarantinedRecord) == 3
    later = ws.answer(attempt_id, q1, ["B"])
    assert statuses(push(client, proctor, ws.id, [later])) == ["accepted"]
    assert answers(client, proctor, attempt_id)[q1][0] == ["B"]
    unknown_field = {"protocol": 1, "workstation_id": ws.id, "records": [], "extra": 1}
    headers = {**proctor.headers, "Idempotency-Key": str(uuid.uuid4())}
    assert client.post("/api/sync/push", json=unknown_field, headers=headers).status_code == 422
    not_json = client.post("/api/sync/push", content=b"{nope", headers=headers)
    assert not_json.status_code == 422


def test_f4_out_of_order_batches_end_with_the_highest_seq(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["A"], 100)
    ws.answer(attempt_id, q2, ["A"], 100)
    early = list(ws.records)
    ws.answer(attempt_id, q1, ["C"], 900)
    ws.timed(attempt_id, q2, 700)
    late = ws.records[len(early) :]
    first = push(client, proctor, ws.id, late)  # arrives first: kept, start not here yet
    assert statuses(first) == ["accepted", "accepted"]
    assert first.json()["high_water_mark"] == 0
    assert first.json()["attempts"][0]["integrity"] == "unverified"
    assert client.get(f"/api/attempts/{attempt_id}", headers=proctor.headers).status_code == 404
    second = push(client, proctor, ws.id, early)
    assert second.json()["high_water_mark"] == 5
    assert answers(client, proctor, attempt_id) == {q1: (["C"], 900), q2: (["A"], 700)}
    # and an old answer arriving once more late changes nothing
    assert statuses(push(client, proctor, ws.id, early[1:2])) == ["duplicate"]
    assert answers(client, proctor, attempt_id)[q1] == (["C"], 900)


def test_an_attempt_finished_in_a_later_batch_is_rebuilt_over_an_online_answer(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    """The finishing batch rebuilds the attempt's answers; a row saved online (endpoint 6)
    is replaced by the synced answer to its question (on PostgreSQL the COPY meets that
    row and falls back to the upsert) and left alone for a question sync never answered."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, q3 = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["A"], 100)
    assert push(client, proctor, ws.id, ws.records).status_code == 200
    for qid, labels in ((q2, ["A"]), (q3, ["D"])):
        body = {
            "question_id": qid,
            "answer": labels,
            "time_spent_ms": 50,
            "answered_at": "2026-11-24T09:00:00Z",
        }
        online = client.post(
            f"/api/attempts/{attempt_id}/answer", json=body, headers=proctor.headers
        )
        assert online.status_code == 200, online.text
    rest = len(ws.records)
    ws.answer(attempt_id, q1, ["B"], 300)
    ws.answer(attempt_id, q2, ["C", "A"], 400)
    ws.finish(attempt_id)
    finished = push(client, proctor, ws.id, ws.records[rest:])
    assert finished.status_code == 200, finished.text
    assert finished.json()["attempts"][0]["integrity"] == "complete"
    assert answers(client, proctor, attempt_id) == {
        q1: (["B"], 300),
        q2: (["C", "A"], 400),
        q3: (["D"], 50),
    }
    attempt = client.get(f"/api/attempts/{attempt_id}", headers=proctor.headers).json()
    assert attempt["status"] == "finished"


def test_a_missing_record_makes_the_attempt_incomplete_until_it_arrives(
    client: TestClient, proctor: SignedIn, admin: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["B"])
    missing = ws.answer(attempt_id, q2, ["A", "C"])
    ws.finish(attempt_id)
    held = [r for r in ws.records if r is not missing]
    response = push(client, proctor, ws.id, held).json()
    summary = response["attempts"][0]
    assert (summary["integrity"], summary["missing_seq"]) == ("incomplete", [3])
    assert response["high_water_mark"] == 2
    attempt = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    assert attempt["integrity"] == "incomplete" and attempt["score"] == 1
    summary = push(client, proctor, ws.id, [missing]).json()["attempts"][0]
    assert (summary["integrity"], summary["missing_seq"]) == ("complete", [])
    attempt = client.get(f"/api/attempts/{attempt_id}", headers=admin.headers).json()
    assert attempt["integrity"] == "complete" and attempt["score"] == 3  # rescored


def test_a_wrong_digest_is_incomplete_with_nothing_missing_and_alerted(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.finish(attempt_id, extra_count=1)
    summary = push(client, proctor, ws.id, ws.records).json()["attempts"][0]
    assert (summary["integrity"], summary["missing_seq"]) == ("incomplete", [])
    assert row_count(app, IntegrityAlert) == 1


def test_starts_are_checked_against_deliveries_and_groups(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws = WorkstationSim()
    ws.start(str(uuid.uuid4()), str(uuid.uuid4()), setup.taker_ids[0])
    ws.start(str(uuid.uuid4()), setup.delivery_id, str(uuid.uuid4()))
    response = push(client, proctor, ws.id, ws.records)
    assert [r["reason"] for r in response.json()["results"]] == [
        "unknown_delivery",
        "unknown_taker",
    ]


def test_an_unsupported_protocol_is_426_with_the_supported_list(
    app: FastAPI, client: TestClient, proctor: SignedIn
) -> None:
    response = push(client, proctor, str(uuid.uuid4()), [{"anything": 1}], protocol=2)
    assert response.status_code == 426
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["supported_protocols"] == [1]
    assert row_count(app, QuarantinedRecord) == 0


def test_push_needs_a_proctor_or_admin(client: TestClient) -> None:
    response = client.post(
        "/api/sync/push", json={}, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 401


def test_a_kept_record_sent_again_is_a_duplicate_even_if_it_fails_the_checks_now(
    client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    """Kept before its start arrived (rule 7), it no longer passes the checks once the
    exam is known; sent again, it is still the same record: a duplicate, not rejected."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, _, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    bad = ws.answer(attempt_id, q1, ["Z"], 100)  # no option Z
    assert statuses(push(client, proctor, ws.id, [bad])) == ["accepted"]
    assert statuses(push(client, proctor, ws.id, ws.records[:1])) == ["accepted"]
    again = push(client, proctor, ws.id, [bad])
    assert statuses(again) == ["duplicate"]
    assert again.json()["high_water_mark"] == 2
    assert answers(client, proctor, attempt_id) == {}


def test_a_batch_of_held_and_new_records_keeps_the_new_ones(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    """Held records make the bulk insert fall back to the exact path: only the new ones
    are inserted, and nothing is kept twice."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, _ = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["A"], 1000)
    assert statuses(push(client, proctor, ws.id, ws.records)) == ["accepted"] * 2
    ws.answer(attempt_id, q2, ["C"], 2000)
    ws.answer(attempt_id, q1, ["B"], 3000)
    response = push(client, proctor, ws.id, ws.records)
    assert statuses(response) == ["duplicate", "duplicate", "accepted", "accepted"]
    assert response.json()["high_water_mark"] == 4
    assert row_count(app, SyncRecord) == 4
    assert answers(client, proctor, attempt_id) == {q1: (["B"], 3000), q2: (["C"], 2000)}


def test_record_text_is_kept_exactly_as_sent(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    """Backslashes, tabs, newlines, quotes and non-ASCII text survive the bulk insert."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    note = 'C:\\temp\\new\tline\nquote " é 漢 \\N \u2028'
    incident = ws.record(attempt_id, "attempt.incident", {"category": "other", "note": note})
    assert statuses(push(client, proctor, ws.id, ws.records)) == ["accepted"] * 2
    with transaction(app.state.session_factory) as session:
        data = session.scalar(select(SyncRecord.data).where(SyncRecord.id == incident["id"]))
    assert data == {"category": "other", "note": note}


@pytest.mark.parametrize(
    "at",
    [
        "2026-11-24T09:12:03Z",
        "2026-11-24T09:12:03.5+05:30",
        "2026-11-24T09:12:03.123456-08:00",
        "2026-11-24 09:12:03+00:00",  # not plain RFC 3339: sent as isoformat() instead
        "2026-11-24T09:12:03.1234567+00:00",  # more than microseconds: Python truncates
        "20261124T091203Z",  # ISO 8601's basic form, which PostgreSQL reads otherwise
    ],
)
def test_record_times_are_kept_as_the_instant_sent(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup, at: str
) -> None:
    """A time goes to the database as sent only in the form both read alike; the record's
    time and the answer's time are the instant ``datetime.fromisoformat`` reads."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    answer = ws.answer(attempt_id, setup.question_ids[0], ["B"], 1000)
    answer["at"] = at
    ws.finish(attempt_id)
    assert statuses(push(client, proctor, ws.id, ws.records)) == ["accepted"] * 3
    expected = datetime.fromisoformat(at)
    with transaction(app.state.session_factory) as session:
        kept = session.scalar(select(SyncRecord.at).where(SyncRecord.id == answer["id"]))
        answered = session.scalar(
            select(AttemptQuestion.answered_at).where(AttemptQuestion.attempt_id == attempt_id)
        )
    assert kept == expected and answered == expected


def test_a_nul_character_is_quarantined_not_a_failed_batch(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    """PostgreSQL cannot store the NUL character in JSON: a record holding one is rejected
    and kept as its JSON text, and the rest of the batch applies."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.record(attempt_id, "attempt.incident", {"category": "other", "note": "a\x00b"})
    ws.answer(attempt_id, setup.question_ids[0], ["B\x00"])
    odd = ws.record(attempt_id, "attempt.paused", {})
    odd["colour"] = "red\x00"
    lone = ws.record(attempt_id, "attempt.incident", {"category": "other", "note": "\ud800"})
    ws.answer(attempt_id, setup.question_ids[1], ["A"])
    body = json.dumps({"protocol": 1, "workstation_id": ws.id, "records": ws.records})
    headers = {**proctor.headers, "Idempotency-Key": str(uuid.uuid4())}
    headers["Content-Type"] = "application/json"
    response = client.post("/api/sync/push", content=body, headers=headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", *["rejected"] * 4, "accepted"]
    reasons = [r["reason"] for r in results[1:5]]
    assert reasons == ["malformed", "malformed", "unknown_field", "malformed"]
    with transaction(app.state.session_factory) as session:
        kept = {q.record_id: q.payload for q in session.scalars(select(QuarantinedRecord))}
    assert kept[odd["id"]] == {"json_text": json.dumps(odd, ensure_ascii=False)}
    assert json.loads(kept[odd["id"]]["json_text"]) == odd
    assert json.loads(kept[lone["id"]]["json_text"]) == lone


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(1, 12), st.booleans()), min_size=1, max_size=6),
        min_size=1,
        max_size=5,
    )
)
def test_the_high_water_mark_is_the_longest_run_of_held_seqs(
    client: TestClient, proctor: SignedIn, batches: list[list[tuple[int, bool]]]
) -> None:
    """Batches of any seqs, in any order, sent again, some records invalid (quarantined,
    and so held too): after each batch the mark is the longest run 1..N of seqs held."""
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    records: dict[int, dict[str, Any]] = {}
    held: set[int] = set()
    for batch in batches:
        body = []
        for seq, valid in batch:
            if seq not in records:
                ws.seq = seq - 1
                record = ws.record(attempt_id, "attempt.paused")
                if not valid:
                    record["colour"] = "red"  # an unknown field: quarantined
                records[seq] = record
            body.append(records[seq])
        response = push(client, proctor, ws.id, body)
        assert response.status_code == 200, response.text
        held.update(seq for seq, _ in batch)
        run = 0
        while run + 1 in held:
            run += 1
        assert response.json()["high_water_mark"] == run
