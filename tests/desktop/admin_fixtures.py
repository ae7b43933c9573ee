"""Shared fixtures of the admin console tests: a real server on loopback holding a
delivery of 200+ finished attempts, built once per test session through the real API.

tests/desktop/conftest.py makes the fixtures available to every desktop test module:
ask for ``admin_world`` (typed ``AdminWorld``, imported from here).

``admin_world`` is session-scoped: the server and its data are made once. Tests that
change data (a score override) must use ``world.spare_finished`` (attempts no other
test reads for exact values) and never assume results stay as another test left them:
compare with ``world.results_json()`` fetched in the same test.

The database is PostgreSQL when ``MEDXAM_TEST_DATABASE_URL`` is set (CI; under
``MEDXAM_REQUIRE_POSTGRES=1`` it must be), else an SQLite file.

What is in it (``build_world``): an exam of 12 questions (one multiple-response worth 2
with a 0.5 penalty, one worth a third of a point, one with a 0.25 penalty; one item
everyone gets right, one almost no one does, one whose strong candidates pick a
distractor: a possible miskey), a group of 210 takers, and two workstations that synced:
201 finished attempts (one of them ``incomplete``: its finish claims a record the
server never got), 2 terminated, 3 still in progress; some with pauses, an extension
and an incident. A second delivery of the same exam has no attempts.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from medxam_server.config import Settings
from tests.conftest import POSTGRES_ENV, REQUIRE_POSTGRES_ENV, TEST_SECRET, _fresh_postgres
from tests.contract.live_server import PASSWORD, _created, admin_client, serving

__all__ = ["AdminWorld", "admin_database_url", "admin_world", "build_world"]

FINISHED = 201
TERMINATED = 2
IN_PROGRESS = 3
TAKERS = 210
QUESTIONS = 12
PASS_SCORE = 6


def _question(i: int) -> dict[str, Any]:
    kind = "multiple" if i == 11 else "single"
    return {
        "type": kind,
        "stem": f"Question {i}: which one?",
        "options": [{"label": label, "text": f"Option {label}{i}"} for label in "ABCD"],
        "key": ["A", "C"] if kind == "multiple" else ["B"],
        "points": 2 if i == 11 else 0.333333 if i == 12 else 1,
        "penalty": 0.5 if i == 11 else 0.25 if i == 3 else 0,
        "explanation": f"Explanation {i}",
    }


EXAM_DOCUMENT: dict[str, Any] = {
    "title": "Cardiology finals",
    "description": "Results console test exam",
    "duration_minutes": 60,
    "pass_score": PASS_SCORE,
    "questions": [_question(i) for i in range(1, QUESTIONS + 1)],
}


@dataclass
class _Outbox:
    """One workstation's records with gapless seqs, as the desktop writes them."""

    start: datetime
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, attempt_id: str, kind: str, data: dict[str, Any], **extra: Any) -> str:
        seq = len(self.records) + 1
        at = (self.start + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {
            "id": str(uuid.uuid4()),
            "seq": seq,
            "attempt_id": attempt_id,
            "kind": kind,
            "at": at,
            "data": data,
            **extra,
        }
        self.records.append(record)
        return str(record["id"])

    def finish(self, attempt_id: str, *, claim_extra: int = 0) -> None:
        mine = [r["id"] for r in self.records if r["attempt_id"] == attempt_id]
        digest = hashlib.sha256("\n".join(mine).encode()).hexdigest()
        self.add(
            attempt_id,
            "attempt.finished",
            {"record_count": len(mine) + claim_extra, "digest": digest},
        )


@dataclass
class AdminWorld:
    url: str
    database_url: str
    admin: httpx.Client
    delivery: dict[str, Any]
    empty_delivery: dict[str, Any]
    exam_id: str
    question_ids: list[str]
    takers: list[dict[str, Any]]
    proctor_id: str
    workstations: list[str]
    finished: list[str]
    terminated: list[str]
    in_progress: list[str]
    incomplete: list[str]
    with_events: list[str]  # finished attempts with a pause, resume, extension, incident
    spare_finished: list[str]  # finished attempts tests may change (score overrides)
    receipts: dict[str, str] = field(default_factory=dict)  # attempt id -> receipt code

    @property
    def delivery_id(self) -> str:
        return str(self.delivery["id"])

    def results_json(self, delivery_id: str | None = None) -> dict[str, Any]:
        """The server's results now, numbers as ``Decimal`` (its exact digits)."""
        import json

        answer = self.admin.get(f"/deliveries/{delivery_id or self.delivery_id}/results")
        answer.raise_for_status()
        body: dict[str, Any] = json.loads(answer.content, parse_float=Decimal)
        return body


def _choose(rng: random.Random, question: int, ability: float) -> list[str] | None:
    """A candidate's answer: None to omit."""
    if rng.random() < 0.04:
        return None
    if question == 5:  # everyone gets it
        return ["B"]
    if question == 6:  # almost no one does
        return ["B"] if rng.random() < 0.05 else [rng.choice("ACD")]
    if question == 7:  # the strong pick C: the key (B) looks wrong
        return ["C"] if ability > 0.6 else ["B"] if rng.random() < 0.5 else [rng.choice("AD")]
    if question == 11:
        return ["A", "C"] if rng.random() < ability else [rng.choice("AB"), "D"]
    return ["B"] if rng.random() < ability else [rng.choice("ACD")]


def build_world(url: str, database_url: str) -> AdminWorld:
    """Everything through the HTTP API: users, exam, group, takers, deliveries, a push
    per workstation (the desktop's way), then checks the server holds what was meant."""
    admin = admin_client(url)
    proctor = {"username": "pat", "password": PASSWORD, "full_name": "Pat Proctor"}
    made = _created(admin, admin.post("/users", json={**proctor, "role": "proctor"}), "/users/{id}")
    exam = _created(admin, admin.post("/exams/import", json=EXAM_DOCUMENT), "/exams/{exam_id}")
    group = _created(admin, admin.post("/groups", json={"name": "Cardiology Y5"}), "/groups/{id}")
    items = [
        {
            "candidate_number": f"K{2001 + i}",
            "full_name": f"Candidate {2001 + i}",
            "group_ids": [group["id"]],
        }
        for i in range(TAKERS)
    ]
    items[0]["full_name"] = "Ada Lovelace"
    items[1]["full_name"] = "Rosalind Franklin"
    response = admin.post("/takers/bulk", json={"items": items})
    takers = _created(admin, response, "/takers/" + response.json()["items"][-1]["id"])["items"]
    opens = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    deliveries = []
    for title, shift in (("Cardiology finals — morning", 0), ("Cardiology finals — resit", 1)):
        body = {
            "exam_id": exam["exam_id"],
            "group_id": group["id"],
            "title": title,
            "opens_at": (opens + timedelta(minutes=shift)).isoformat(),
            "closes_at": (opens + timedelta(hours=6)).isoformat(),
            "location": "Hall C",
        }
        deliveries.append(_created(admin, admin.post("/deliveries", json=body), "/deliveries/{id}"))
    delivery = deliveries[0]
    questions = list(exam["question_ids"])
    rng = random.Random(20261204)
    outboxes = [_Outbox(opens + timedelta(minutes=5)), _Outbox(opens + timedelta(minutes=6))]
    world = AdminWorld(
        url=url,
        database_url=database_url,
        admin=admin,
        delivery=delivery,
        empty_delivery=deliveries[1],
        exam_id=exam["exam_id"],
        question_ids=questions,
        takers=takers,
        proctor_id=made["id"],
        workstations=[o.id for o in outboxes],
        finished=[],
        terminated=[],
        in_progress=[],
        incomplete=[],
        with_events=[],
        spare_finished=[],
    )
    plan = ["finished"] * FINISHED + ["terminated"] * TERMINATED + ["in_progress"] * IN_PROGRESS
    for index, outcome in enumerate(plan):
        box = outboxes[0] if index % 5 < 3 else outboxes[1]
        attempt = str(uuid.uuid4())
        ability = 0.25 + 0.7 * rng.random()
        box.add(
            attempt,
            "attempt.started",
            {"delivery_id": delivery["id"], "taker_id": takers[index]["id"]},
        )
        eventful = outcome == "finished" and index % 40 == 7
        for position, question in enumerate(questions, start=1):
            if outcome == "in_progress" and position > 4:
                break
            if eventful and position == 3:
                box.add(attempt, "attempt.paused", {}, by=world.proctor_id, question_id=question)
                box.add(attempt, "attempt.resumed", {}, by=world.proctor_id)
                box.add(
                    attempt,
                    "attempt.time_extended",
                    {"minutes": 5, "reason": "fire alarm"},
                    by=world.proctor_id,
                )
                box.add(
                    attempt,
                    "attempt.incident",
                    {"category": "noise", "note": "construction next door"},
                    by=world.proctor_id,
                )
            spent = rng.randint(5_000, 120_000)
            chosen = _choose(rng, position, ability)
            if chosen is None:
                box.add(
                    attempt, "question.timed", {"question_id": question, "time_spent_ms": spent}
                )
            else:
                box.add(
                    attempt,
                    "answer.saved",
                    {
                        "question_id": question,
                        "answer": chosen,
                        "time_spent_ms": spent,
                        "flagged": rng.random() < 0.05,
                    },
                )
        if outcome == "terminated":
            box.add(attempt, "attempt.terminated", {"reason": "left the room"}, by=world.proctor_id)
            world.terminated.append(attempt)
        elif outcome == "in_progress":
            world.in_progress.append(attempt)
        else:
            claim = 1 if index == 13 else 0
            box.finish(attempt, claim_extra=claim)
            world.finished.append(attempt)
            if claim:
                world.incomplete.append(attempt)
            if eventful:
                world.with_events.append(attempt)
    world.spare_finished = world.finished[-10:]
    for box in outboxes:
        body = {"protocol": 1, "workstation_id": box.id, "records": box.records}
        pushed = admin.post(
            "/sync/push", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}, timeout=120
        )
        assert pushed.status_code == 200, pushed.text
        refused = [r for r in pushed.json()["results"] if r["status"] == "rejected"]
        assert not refused, refused[:3]
        for held in pushed.json().get("attempts", []):
            if held.get("receipt_code"):
                world.receipts[held["attempt_id"]] = held["receipt_code"]
    summary = world.results_json()["summary"]
    assert summary["n"] == FINISHED and summary["terminated"] == TERMINATED, summary
    assert summary["in_progress"] == IN_PROGRESS, summary
    return world


@pytest.fixture(scope="session")
def admin_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """PostgreSQL when the suite has one (CI), else an SQLite file; migrated, empty."""
    if os.environ.get(POSTGRES_ENV) or os.environ.get(REQUIRE_POSTGRES_ENV, "") not in (
        "",
        "0",
        "false",
    ):
        admin_url = request.getfixturevalue("postgres_admin_url")
        template = request.getfixturevalue("postgres_template")
        yield from _fresh_postgres(admin_url, template)
        return
    path = tmp_path_factory.mktemp("admin-server") / "server.sqlite3"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def admin_world(
    admin_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AdminWorld]:
    """The live server with the results data, for the whole session."""
    data_dir: Path = tmp_path_factory.mktemp("admin-server-data")
    settings = Settings(database_url=admin_database_url, data_dir=data_dir, secret_key=TEST_SECRET)
    with serving(settings) as url:
        world = build_world(url, admin_database_url)
        try:
            yield world
        finally:
            world.admin.close()
