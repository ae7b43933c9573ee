"""``attempt_questions.answer_mask``: written with every answer, read by the results.

The mask is what the results summary reads instead of each answer's JSON, so it must be
right whichever way an answer arrives (answer endpoint, sync push in any order), and the
statistics must not depend on which labels an exam uses (one-character labels read the
stored masks; longer labels take the parsed path).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from medxam_server.db.session import transaction
from medxam_server.models import AttemptQuestion, answer_mask
from tests.server import results_reference as ref
from tests.server.conftest import SignedIn
from tests.server.factories import Setup, make_setup, multiple, single
from tests.server.results_data import (
    AttemptSpec,
    QuestionSpec,
    generated_answers,
    generated_exam,
    seed_delivery,
)
from tests.server.workstation_sim import WorkstationSim, push, statuses

AT = "2026-11-24T09:12:03Z"


def test_mask_bits() -> None:
    assert answer_mask([]) == 0 and answer_mask(None) == 0
    assert answer_mask(["A"]) == 1 and answer_mask(["C", "A"]) == 0b101
    assert answer_mask(["Z"]) == 1 << 25 and answer_mask(["a"]) == 1 << 26
    assert answer_mask(["0"]) == 1 << 52 and answer_mask(["9"]) == 1 << 61
    assert answer_mask(["opt1"]) == 1 << 62 and answer_mask(["B", "xy"]) == 2 | 1 << 62


@pytest.fixture
def setup(app: FastAPI, admin: SignedIn) -> Setup:
    with transaction(app.state.session_factory) as session:
        return make_setup(
            session, questions=[single("B"), multiple("A", "C", points=2), single("D")], takers=1
        )


def stored(app: FastAPI, attempt_id: str) -> dict[str, tuple[list[str], int]]:
    """Question id -> (answer, answer_mask) as stored."""
    with transaction(app.state.session_factory) as session:
        rows = session.execute(
            select(
                AttemptQuestion.question_id, AttemptQuestion.answer, AttemptQuestion.answer_mask
            ).where(AttemptQuestion.attempt_id == attempt_id)
        ).all()
    return {str(qid): (list(answer), mask) for qid, answer, mask in rows}


def test_the_answer_endpoint_writes_the_mask(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    body = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[0]}
    attempt = client.post("/api/attempts/start", json=body, headers=proctor.headers).json()
    q1, q2, _ = setup.question_ids

    def answer(qid: str, labels: list[str]) -> None:
        body = {"question_id": qid, "answer": labels, "time_spent_ms": 10, "answered_at": AT}
        url = f"/api/attempts/{attempt['id']}/answer"
        assert client.post(url, json=body, headers=proctor.headers).status_code == 200

    answer(q1, ["B"])
    answer(q2, ["C", "A"])
    assert stored(app, attempt["id"]) == {q1: (["B"], 0b10), q2: (["C", "A"], 0b101)}
    answer(q1, ["D"])
    answer(q2, [])
    assert stored(app, attempt["id"]) == {q1: (["D"], 0b1000), q2: ([], 0)}


def test_sync_writes_the_mask_of_the_highest_seq_in_any_order(
    app: FastAPI, client: TestClient, proctor: SignedIn, setup: Setup
) -> None:
    ws, attempt_id = WorkstationSim(), str(uuid.uuid4())
    q1, q2, q3 = setup.question_ids
    ws.start(attempt_id, setup.delivery_id, setup.taker_ids[0])
    ws.answer(attempt_id, q1, ["A"], 1000)
    ws.answer(attempt_id, q2, ["C", "A"], 2000)
    ws.answer(attempt_id, q1, ["D"], 3000)
    ws.timed(attempt_id, q3, 500)
    records = ws.records
    # The later answer and the time first, then the start and the earlier answers.
    for part in (records[3:], records[:3]):
        response = push(client, proctor, ws.id, part)
        assert response.status_code == 200 and set(statuses(response)) == {"accepted"}
    assert stored(app, attempt_id) == {q1: (["D"], 0b1000), q2: (["C", "A"], 0b101), q3: ([], 0)}
    ws.answer(attempt_id, q2, ["B"], 4000)
    ws.finish(attempt_id)
    assert push(client, proctor, ws.id, ws.records[5:]).status_code == 200
    assert stored(app, attempt_id)[q2] == (["B"], 0b10)


RELABELLED = {
    "letters": dict(zip("ABCDE", "ABCDE", strict=True)),
    "lowercase and digits": dict(zip("ABCDE", ["e", "a", "0", "9", "Z"], strict=True)),
    "longer labels": dict(zip("ABCDE", ["opt1", "B", "x2", "yy", "A"], strict=True)),
}


@pytest.mark.parametrize("labels", list(RELABELLED), ids=list(RELABELLED))
def test_item_statistics_do_not_depend_on_the_labels(
    app: FastAPI, client: TestClient, admin: SignedIn, labels: str
) -> None:
    new = RELABELLED[labels]
    questions = [
        QuestionSpec(q.type, [new[x] for x in q.labels], [new[x] for x in q.key], q.points_units)
        for q in generated_exam(3, 6)
    ]
    rows = generated_answers(4, questions, 24)
    with transaction(app.state.session_factory) as session:
        seeded = seed_delivery(
            session,
            questions=questions,
            attempts=[AttemptSpec("finished", row) for row in rows],
            pass_score_units=1,
        )
    response = client.get(f"/api/deliveries/{seeded.delivery_id}/results", headers=admin.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    want = ref.items(rows, [q.key for q in questions], [q.labels for q in questions])
    for item, expected in zip(items, want, strict=True):
        assert ref.close(item["p"], expected.p)
        assert ref.close(item["point_biserial_corrected"], expected.r_corrected)
        assert ref.close(item["discrimination"], expected.discrimination)
        assert [o["label"] for o in item["options"]] == list(expected.options)
        for option in item["options"]:
            assert option["count"] == expected.options[option["label"]]["count"]
            assert ref.close(
                option["upper_proportion"], expected.options[option["label"]]["upper_proportion"]
            )
