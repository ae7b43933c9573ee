"""Seed a delivery with scored attempts straight through the models, for results tests.

Scores are computed here from the answers with the scoring rules of API.md (correct:
points; wrong: minus the penalty; omitted: nothing), independently of the server's
scoring service. Each attempt's ``position`` is a shuffled presentation order, so the
tests also check that items are reported in exam order.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session

from medxam_server.models import (
    Attempt,
    AttemptQuestion,
    Delivery,
    Exam,
    ExamQuestion,
    Group,
    GroupMember,
    Question,
    QuestionSet,
    Taker,
    User,
    new_id,
)

_counter = itertools.count(1)
Answer = list[str] | None


@dataclass(frozen=True)
class QuestionSpec:
    type: str
    labels: list[str]
    key: list[str]
    points_units: int
    penalty_units: int = 0


@dataclass(frozen=True)
class AttemptSpec:
    status: str  # finished | terminated | in_progress
    answers: list[Answer]  # one per question, exam order; None = omitted
    integrity: str = "complete"


@dataclass
class Seeded:
    delivery_id: str
    exam_id: str
    pass_score_units: int
    question_ids: list[str]
    attempt_ids: list[str]
    taker_ids: list[str]
    totals_units: list[int | None] = field(default_factory=list)


def score_units(spec: AttemptSpec, questions: Sequence[QuestionSpec]) -> tuple[int, int]:
    """(score, penalty) in units from the answers."""
    score = penalty = 0
    for answer, question in zip(spec.answers, questions, strict=True):
        if not answer:
            continue
        if set(answer) == set(question.key):
            score += question.points_units
        else:
            penalty += question.penalty_units
    return score, penalty


def seed_delivery(
    session: Session,
    *,
    questions: Sequence[QuestionSpec],
    attempts: Sequence[AttemptSpec],
    pass_score_units: int,
    seed: int = 0,
) -> Seeded:
    rng = random.Random(seed)
    tag = next(_counter)
    user = User(
        username=f"results-{tag}-{new_id()[:8]}",
        full_name="Seeder",
        role="admin",
        password_hash="x",
    )
    question_set = QuestionSet(title=f"Bank {tag}", description="")
    exam = Exam(
        title=f"Exam {tag}",
        description="",
        duration_minutes=60,
        pass_score_units=pass_score_units,
        shuffle_questions=True,
        shuffle_options=False,
        version=1,
    )
    group = Group(name=f"Group {tag}-{new_id()[:8]}", description="")
    session.add_all([user, question_set, exam, group])
    session.flush()
    question_ids = [new_id() for _ in questions]
    session.execute(
        insert(Question),
        [
            {
                "id": qid,
                "question_set_id": question_set.id,
                "type": q.type,
                "stem": f"Question {i}?",
                "options": [{"label": label, "text": f"Option {label}"} for label in q.labels],
                "key": q.key,
                "points_units": q.points_units,
                "penalty_units": q.penalty_units,
                "explanation": None,
            }
            for i, (qid, q) in enumerate(zip(question_ids, questions, strict=True))
        ],
    )
    session.execute(
        insert(ExamQuestion),
        [
            {"exam_id": exam.id, "position": i + 1, "question_id": qid}
            for i, qid in enumerate(question_ids)
        ],
    )
    delivery = Delivery(
        exam_id=exam.id,
        group_id=group.id,
        title=f"Delivery {tag}",
        opens_at=datetime(2026, 11, 24, 8, tzinfo=UTC),
        closes_at=datetime(2026, 11, 24, 18, tzinfo=UTC),
        location="Hall",
        start_code="ABCD2345",
    )
    session.add(delivery)
    session.flush()
    # Candidate numbers in a shuffled order, so the attempts list order is not insertion order.
    numbers = rng.sample(range(1000, 1000 + 10 * len(attempts) + 10), len(attempts))
    taker_ids = [new_id() for _ in attempts]
    if attempts:
        session.execute(
            insert(Taker),
            [
                {
                    "id": tid,
                    "candidate_number": f"{tag}-{n}",
                    "full_name": f"Name {n}",
                    "email": None,
                }
                for tid, n in zip(taker_ids, numbers, strict=True)
            ],
        )
        session.execute(
            insert(GroupMember), [{"group_id": group.id, "taker_id": t} for t in taker_ids]
        )
    max_units = sum(q.points_units for q in questions)
    seeded = Seeded(delivery.id, exam.id, pass_score_units, question_ids, [], taker_ids)
    attempt_rows, answer_rows = [], []
    started = datetime(2026, 11, 24, 9, tzinfo=UTC)
    for j, (spec, taker_id) in enumerate(zip(attempts, taker_ids, strict=True)):
        attempt_id = new_id()
        seeded.attempt_ids.append(attempt_id)
        done = spec.status != "in_progress"
        score, penalty = score_units(spec, questions) if done else (None, None)
        seeded.totals_units.append(None if score is None else score - (penalty or 0))
        attempt_rows.append(
            {
                "id": attempt_id,
                "delivery_id": delivery.id,
                "exam_id": exam.id,
                "taker_id": taker_id,
                "workstation_id": None,
                "status": spec.status,
                "started_at": started,
                "finished_at": started + timedelta(minutes=50 + j) if done else None,
                "score_units": score,
                "penalty_units": penalty,
                "max_score_units": max_units,
                "score_source": "auto",
                "created_by": user.id,
                "integrity": spec.integrity,
            }
        )
        order = rng.sample(range(len(questions)), len(questions))
        for shown_at, i in enumerate(order, start=1):
            answer = spec.answers[i]
            if answer is None and rng.random() < 0.5:
                continue  # an omitted question may have no row at all
            correct = None if not answer else set(answer) == set(questions[i].key)
            answer_rows.append(
                {
                    "attempt_id": attempt_id,
                    "question_id": question_ids[i],
                    "position": shown_at,
                    "answer": list(answer or []),
                    "time_spent_ms": 1000 * shown_at,
                    "answered_at": started if answer else None,
                    "flagged": False,
                    "is_correct": correct,
                    "points_awarded_units": None,
                    "answer_seq": shown_at,
                    "time_seq": shown_at,
                }
            )
    if attempt_rows:
        session.execute(insert(Attempt), attempt_rows)
    if answer_rows:
        session.execute(insert(AttemptQuestion), answer_rows)
    session.flush()
    return seeded


UNITS = 720720  # services.points.UNITS_PER_POINT, spelled out so the tests check it


def generated_exam(seed: int, k: int) -> list[QuestionSpec]:
    """Single best (penalty 1/3), multiple response (2 points), true/false (penalty 1/2)."""
    rng = random.Random(seed)
    labels5 = ["A", "B", "C", "D", "E"]
    questions = []
    for i in range(k):
        if i % 3 == 0:
            questions.append(
                QuestionSpec("single", labels5, [rng.choice(labels5)], UNITS, UNITS // 3)
            )
        elif i % 3 == 1:
            key = sorted(rng.sample(labels5, 2))
            questions.append(QuestionSpec("multiple", labels5, key, 2 * UNITS, 0))
        else:
            questions.append(
                QuestionSpec("true_false", ["A", "B"], [rng.choice("AB")], UNITS, UNITS // 2)
            )
    return questions


def generated_answers(
    seed: int, questions: Sequence[QuestionSpec], n: int, omit_rate: float = 0.1
) -> list[list[Answer]]:
    """Answers of ``n`` candidates of varying ability, some omitted, some multi-label."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        ability = rng.random()
        row: list[Answer] = []
        for q in questions:
            if rng.random() < omit_rate:
                row.append(None)
            elif rng.random() < 0.2 + 0.7 * ability:
                row.append(list(q.key))
            else:
                size = 2 if q.type == "multiple" and rng.random() < 0.7 else 1
                row.append(sorted(rng.sample(q.labels, size)))
        rows.append(row)
    return rows
