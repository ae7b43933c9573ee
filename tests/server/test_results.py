"""``GET /api/deliveries/{id}/results`` and its CSV export, on SQLite and PostgreSQL.

Every figure is checked against ``results_reference``, computed in the test from the
seeded answers and the formulas of API.md.
"""

from __future__ import annotations

import csv
import io
import statistics
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from medxam_server.db.session import transaction
from medxam_server.models import Attempt
from tests.server import results_reference as ref
from tests.server.conftest import SignedIn
from tests.server.results_data import (
    UNITS,
    AttemptSpec,
    QuestionSpec,
    Seeded,
    generated_answers,
    generated_exam,
    seed_delivery,
)

PASS_UNITS = 4 * UNITS + UNITS // 3  # 4 1/3 points


def seed(
    app: FastAPI,
    questions: list[QuestionSpec],
    attempts: list[AttemptSpec],
    pass_units: int = PASS_UNITS,
) -> Seeded:
    with transaction(app.state.session_factory) as session:
        return seed_delivery(
            session, questions=questions, attempts=attempts, pass_score_units=pass_units
        )


def results(client: TestClient, admin: SignedIn, delivery_id: str) -> dict[str, Any]:
    response = client.get(f"/api/deliveries/{delivery_id}/results", headers=admin.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def mixed_delivery(app: FastAPI) -> tuple[Seeded, list[QuestionSpec], list[AttemptSpec]]:
    questions = generated_exam(11, 7)
    rows = generated_answers(12, questions, 36)
    attempts = [AttemptSpec("finished", row) for row in rows[:31]]
    attempts += [AttemptSpec("terminated", row, "incomplete") for row in rows[31:34]]
    attempts += [AttemptSpec("in_progress", row, "unverified") for row in rows[34:]]
    return seed(app, questions, attempts), questions, attempts


def test_every_figure_matches_the_reference(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    seeded, questions, attempts = mixed_delivery(app)
    body = results(client, admin, seeded.delivery_id)
    finished = [a for a in attempts if a.status == "finished"]
    answers = [a.answers for a in finished]
    keys = [q.key for q in questions]
    finished_totals = [
        t / UNITS
        for t, a in zip(seeded.totals_units, attempts, strict=True)
        if a.status == "finished" and t is not None
    ]
    assert len(finished_totals) == 31

    summary = body["summary"]
    assert (summary["n"], summary["in_progress"], summary["terminated"]) == (31, 2, 3)
    assert summary["total_attempts"] == 36 and summary["item_count"] == 7
    assert summary["pass_score"] == round(PASS_UNITS / UNITS, 6)
    assert summary["max_score"] == sum(q.points_units for q in questions) / UNITS
    expected = ref.summary(finished_totals, PASS_UNITS / UNITS)
    for name, value in expected.items():
        assert ref.close(summary[name], value), name
    x = [[ref.score(a, key) for a, key in zip(row, keys, strict=True)] for row in answers]
    reliability = ref.reliability(x)
    for name in ("kr20", "kr21", "sem"):
        assert reliability[name] is not None
        assert ref.close(summary[name], reliability[name]), name
    for got, want in zip(summary["kr20_ci95"], reliability["kr20_ci95"], strict=True):
        assert ref.close(got, want)
    assert sum(b["count"] for b in summary["histogram"]) == 31

    reference_items = ref.items(answers, keys, [q.labels for q in questions])
    assert [i["position"] for i in body["items"]] == list(range(1, 8))
    assert [i["question_id"] for i in body["items"]] == seeded.question_ids
    for item, want in zip(body["items"], reference_items, strict=True):
        assert ref.close(item["p"], want.p)
        assert ref.close(item["point_biserial"], want.r)
        assert ref.close(item["point_biserial_corrected"], want.r_corrected)
        assert ref.close(item["upper_p"], want.upper_p)
        assert ref.close(item["lower_p"], want.lower_p)
        assert ref.close(item["discrimination"], want.discrimination)
        assert item["flags"] == want.flags
        assert [o["label"] for o in item["options"]] == list(want.options)
        for option in item["options"]:
            expected_option = want.options[option["label"]]
            assert option["is_key"] == expected_option["is_key"]
            assert option["count"] == expected_option["count"]
            for name in ("proportion", "upper_proportion", "lower_proportion"):
                assert ref.close(option[name], expected_option[name]), name


def test_attempts_list_scores_and_integrity(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    seeded, questions, attempts = mixed_delivery(app)
    body = results(client, admin, seeded.delivery_id)
    listed = {a["attempt_id"]: a for a in body["attempts"]}
    assert len(listed) == 36
    numbers = [a["candidate_number"] for a in body["attempts"]]
    assert numbers == sorted(numbers)
    max_units = sum(q.points_units for q in questions)
    for attempt_id, spec, total in zip(
        seeded.attempt_ids, attempts, seeded.totals_units, strict=True
    ):
        row = listed[attempt_id]
        assert row["status"] == spec.status and row["integrity"] == spec.integrity
        if spec.status == "in_progress":
            assert row["total"] is None and row["passed"] is None and row["finished_at"] is None
            continue
        assert total is not None
        assert row["total"] == round(total / UNITS, 6)
        assert (
            row["score"] - row["penalty"] == row["total"]
            or abs(row["score"] - row["penalty"] - row["total"]) < 1e-6
        )
        assert row["passed"] == (total >= PASS_UNITS)
        assert row["percent"] == round(100 * total / max_units, 4)
        assert row["finished_at"].endswith("Z")


def test_terminated_attempts_are_left_out_of_the_statistics(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    questions = generated_exam(3, 4)
    best = [list(q.key) for q in questions]
    worst: list[list[str] | None] = [None] * 4
    seeded = seed(
        app,
        questions,
        [AttemptSpec("finished", best), AttemptSpec("finished", worst)]
        + [AttemptSpec("terminated", best)] * 3,
    )
    summary = results(client, admin, seeded.delivery_id)["summary"]
    top = sum(q.points_units for q in questions) / UNITS
    assert summary["n"] == 2 and summary["terminated"] == 3
    assert summary["mean"] == top / 2 and summary["max"] == top and summary["min"] == 0


def test_a_score_override_shows_at_once(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    seeded, _questions, _attempts = mixed_delivery(app)
    before = results(client, admin, seeded.delivery_id)
    target = seeded.attempt_ids[0]
    response = client.put(
        f"/api/attempts/{target}/score",
        json={"score": 100, "penalty": 0.5, "reason": "appeal upheld"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    after = results(client, admin, seeded.delivery_id)
    row = next(a for a in after["attempts"] if a["attempt_id"] == target)
    assert (row["score"], row["penalty"], row["total"], row["passed"]) == (100, 0.5, 99.5, True)
    assert after["summary"]["max"] == 99.5
    finished = [a["total"] for a in after["attempts"] if a["status"] == "finished"]
    assert ref.close(after["summary"]["mean"], statistics.fmean(finished), 1e-6)  # rounded
    assert after["summary"]["mean"] != before["summary"]["mean"]
    # The item analysis is from the answers, which did not change.
    assert after["items"] == before["items"]
    # A direct change of the attempts row is also seen at once (no cache).
    with transaction(app.state.session_factory) as session:
        session.execute(update(Attempt).where(Attempt.id == target).values(score_units=0))
    again = results(client, admin, seeded.delivery_id)
    row = next(a for a in again["attempts"] if a["attempt_id"] == target)
    assert row["total"] == -0.5 and row["passed"] is False


def test_single_attempt_and_zero_variance_are_null(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    questions = generated_exam(5, 5)
    one = seed(app, questions, [AttemptSpec("finished", [list(q.key) for q in questions])])
    summary = results(client, admin, one.delivery_id)["summary"]
    assert summary["n"] == 1 and summary["sd"] is None and summary["kr20"] is None
    assert summary["kr20_ci95"] is None and summary["sem"] is None and summary["kr21"] is None
    same = [list(q.key) for q in questions[:3]] + [None, None]
    tied = seed(app, questions, [AttemptSpec("finished", same)] * 6)
    body = results(client, admin, tied.delivery_id)
    assert body["summary"]["sd"] == 0.0 and body["summary"]["kr20"] is None
    assert [i["p"] for i in body["items"]] == [1, 1, 1, 0, 0]
    assert all(i["point_biserial"] is None for i in body["items"])
    assert body["items"][3]["omitted"] == 6
    assert "too_hard" in body["items"][3]["flags"] and "too_easy" in body["items"][0]["flags"]


def test_an_empty_delivery(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    seeded = seed(app, generated_exam(6, 3), [])
    body = results(client, admin, seeded.delivery_id)
    summary = body["summary"]
    assert summary["n"] == 0 and summary["mean"] is None and summary["pass_rate"] is None
    assert [b["count"] for b in summary["histogram"]] == [0] * 10
    assert summary["histogram"][0]["from"] == 0 and summary["histogram"][-1]["to"] == 4
    assert body["attempts"] == [] and all(i["p"] is None for i in body["items"])


def test_access_and_unknown_deliveries(
    app: FastAPI, client: TestClient, admin: SignedIn, proctor: SignedIn
) -> None:
    seeded = seed(app, generated_exam(7, 2), [])
    path = f"/api/deliveries/{seeded.delivery_id}/results"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=proctor.headers).status_code == 403
    assert client.get(path + ".csv", headers=proctor.headers).status_code == 403
    for bad in ("00000000-0000-4000-8000-000000000000", "not-a-uuid"):
        response = client.get(f"/api/deliveries/{bad}/results", headers=admin.headers)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        csv_response = client.get(f"/api/deliveries/{bad}/results.csv", headers=admin.headers)
        assert csv_response.status_code == 404
    wrong_table = client.get(path + ".csv?table=answers", headers=admin.headers)
    assert wrong_table.status_code == 422


def test_csv_exports_match_the_json(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    seeded, _questions, _attempts = mixed_delivery(app)
    body = results(client, admin, seeded.delivery_id)
    base = f"/api/deliveries/{seeded.delivery_id}/results.csv"
    attempts_csv = client.get(base + "?table=attempts", headers=admin.headers)
    assert attempts_csv.status_code == 200
    assert attempts_csv.headers["content-type"].startswith("text/csv")
    disposition = attempts_csv.headers["content-disposition"]
    assert disposition == f'attachment; filename="results-{seeded.delivery_id}-attempts.csv"'
    rows = list(csv.DictReader(io.StringIO(attempts_csv.text)))
    assert len(rows) == len(body["attempts"])
    for row, attempt in zip(rows, body["attempts"], strict=True):
        assert row["attempt_id"] == attempt["attempt_id"]
        assert row["full_name"] == attempt["full_name"]
        assert row["status"] == attempt["status"] and row["integrity"] == attempt["integrity"]
        for name in ("score", "penalty", "total", "percent"):
            assert (float(row[name]) if row[name] else None) == attempt[name], name
        passed = {"true": True, "false": False, "": None}[row["passed"]]
        assert passed == attempt["passed"]
        assert row["finished_at"] == (attempt["finished_at"] or "")

    items_csv = client.get(base + "?table=items", headers=admin.headers)
    assert items_csv.status_code == 200
    assert "items.csv" in items_csv.headers["content-disposition"]
    item_rows = list(csv.DictReader(io.StringIO(items_csv.text)))
    assert len(item_rows) == len(body["items"])
    for row, item in zip(item_rows, body["items"], strict=True):
        assert int(row["position"]) == item["position"]
        assert row["question_id"] == item["question_id"]
        assert row["key"].split(";") == item["key"]
        assert (row["flags"].split(";") if row["flags"] else []) == item["flags"]
        for name in ("p", "point_biserial", "point_biserial_corrected", "discrimination"):
            assert (float(row[name]) if row[name] else None) == item[name], name
        for option in item["options"]:
            label = option["label"]
            assert int(row[f"{label}_count"]) == option["count"]
            assert float(row[f"{label}_upper_proportion"]) == option["upper_proportion"]
        if len(item["options"]) == 2:
            assert row["E_count"] == ""  # a true/false item has no option E
