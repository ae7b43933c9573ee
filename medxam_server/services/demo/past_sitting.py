"""Results for the demo: a sitting of the demo exam held a week ago, already synced.

So an admin who signs in to ``make demo`` finds a delivery with results (summary,
histogram, item analysis, attempts with receipt codes) at once, while the demo's own
open sitting stays free for the proctor to try. 24 candidates of their own group sat it
on two workstations; their records go through batch ingest exactly as a workstation's
push would (receipts, integrity), one of them with a record the server never got
(``incomplete``), one terminated by the proctor, one still in progress.

Loading it again changes nothing: the delivery is looked up by its title first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Delivery, ExamQuestion, Group, Question, Taker, User, utcnow
from medxam_server.services.setup import deliveries, groups, takers
from medxam_server.services.sync import ingest
from medxam_server.services.sync.batch import Batch

log = logging.getLogger(__name__)

RESULTS_DELIVERY = "Demo sitting — last week"
RESULTS_GROUP = "Demo cohort (last week)"
RESULTS_START_CODE = "RSLT2345"
NAMESPACE = uuid.UUID("6f1c7c1e-7b1a-4c43-9d1e-2b5f9a0e4d21")  # stable record ids
FIRST_NAMES = (
    "Aiko",
    "Bruno",
    "Carmen",
    "Dmitri",
    "Elif",
    "Femi",
    "Greta",
    "Hamid",
    "Ines",
    "Jonas",
    "Kavya",
    "Lars",
    "Maya",
    "Nikos",
    "Olu",
    "Priya",
    "Quentin",
    "Rosa",
    "Sami",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Yusuf",
)
SURNAMES = ("Tanaka", "Costa", "Vidal", "Orlov", "Kaya", "Adeyemi", "Berg", "Rahimi")


def load_demo_results(session: Session, *, exam_id: str, secret: bytes) -> str | None:
    """The past sitting with its synced attempts; its id (None when already there)."""
    if session.scalar(select(Delivery.id).where(Delivery.title == RESULTS_DELIVERY)):
        return None
    admin_id = session.scalar(select(User.id).where(User.role == "admin").order_by(User.username))
    if admin_id is None:
        return None
    group_id, taker_ids = _cohort(session)
    held = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=7)
    delivery = deliveries.create_delivery(
        session,
        deliveries.DeliveryData(
            exam_id=exam_id,
            group_id=group_id,
            title=RESULTS_DELIVERY,
            opens_at=held,
            closes_at=held + timedelta(hours=3),
            location="Demo test centre, room 2",
        ),
        start_code=RESULTS_START_CODE,
    )
    session.flush()
    questions = _questions(session, exam_id)
    for workstation, records in _records(delivery.id, taker_ids, questions, held).items():
        body = json.dumps(records, sort_keys=True).encode()
        batch = Batch(
            batch_id=str(uuid.uuid5(NAMESPACE, f"batch-{workstation}")),
            body_hash=hashlib.sha256(body).hexdigest(),
            workstation_id=workstation,
            records=records,
            user_id=admin_id,
            admin=True,
        )
        ingest.ingest_batch(session, batch, secret=secret)
    log.info("demo results loaded: %r with %d attempts", RESULTS_DELIVERY, len(taker_ids))
    return delivery.id


def _cohort(session: Session) -> tuple[str, list[str]]:
    group = session.scalar(select(Group).where(Group.name == RESULTS_GROUP))
    if group is None:
        group = groups.create_group(
            session, name=RESULTS_GROUP, description="Demo candidates whose sitting is over."
        )
    wanted = {
        f"DEMO-{101 + i}": f"{first} {SURNAMES[i % len(SURNAMES)]}"
        for i, first in enumerate(FIRST_NAMES)
    }
    rows = session.execute(
        select(Taker.candidate_number, Taker.id).where(Taker.candidate_number.in_(wanted))
    ).all()
    existing = {str(number): str(taker_id) for number, taker_id in rows}
    missing = [
        takers.TakerData(candidate_number=number, full_name=name)
        for number, name in wanted.items()
        if number not in existing
    ]
    made = (
        {t.candidate_number: t.id for t in takers.create_takers(session, missing)}
        if missing
        else {}
    )
    ids = [existing.get(number) or made[number] for number in wanted]
    groups.replace_group_takers(session, group.id, ids)
    return group.id, ids


def _questions(session: Session, exam_id: str) -> list[tuple[str, list[str], list[str]]]:
    """(question id, option labels, key) in exam order."""
    rows = session.execute(
        select(Question.id, Question.options, Question.key)
        .join(ExamQuestion, ExamQuestion.question_id == Question.id)
        .where(ExamQuestion.exam_id == exam_id)
        .order_by(ExamQuestion.position)
    ).all()
    return [(str(qid), [o["label"] for o in options], list(key)) for qid, options, key in rows]


def _records(
    delivery_id: str,
    taker_ids: list[str],
    questions: list[tuple[str, list[str], list[str]]],
    held: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """Each workstation's records, as its outbox would hold them."""
    rng = random.Random(2345)
    outboxes: dict[str, list[dict[str, Any]]] = {
        str(uuid.uuid5(NAMESPACE, f"workstation-{n}")): [] for n in (1, 2)
    }
    names = list(outboxes)
    for index, taker_id in enumerate(taker_ids):
        records = outboxes[names[index % 2]]
        attempt = str(uuid.uuid5(NAMESPACE, f"attempt-{index}"))
        mine: list[str] = []
        ability = 0.35 + 0.6 * rng.random()

        def add(
            kind: str,
            data: dict[str, Any],
            records: list[dict[str, Any]] = records,
            attempt: str = attempt,
            mine: list[str] = mine,
        ) -> None:
            seq = len(records) + 1
            record_id = str(uuid.uuid5(NAMESPACE, f"{attempt}-{len(mine)}"))
            at = held + timedelta(minutes=10, seconds=7 * seq)
            records.append(
                {
                    "id": record_id,
                    "seq": seq,
                    "attempt_id": attempt,
                    "kind": kind,
                    "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "data": data,
                }
            )
            mine.append(record_id)

        add("attempt.started", {"delivery_id": delivery_id, "taker_id": taker_id})
        for position, (question_id, labels, key) in enumerate(questions, start=1):
            if index == 22 and position > 5:
                break  # still in progress
            spent = rng.randint(20_000, 150_000)
            if index == 5 and position == 4:
                add("attempt.paused", {})
                add("attempt.resumed", {})
            if rng.random() < 0.05:
                add("question.timed", {"question_id": question_id, "time_spent_ms": spent})
                continue
            wrong = [label for label in labels if label not in key] or labels
            chosen = key if rng.random() < ability else [rng.choice(wrong)]
            add(
                "answer.saved",
                {
                    "question_id": question_id,
                    "answer": list(chosen),
                    "time_spent_ms": spent,
                    "flagged": False,
                },
            )
        if index == 22:
            continue
        if index == 17:
            add("attempt.terminated", {"reason": "Felt unwell and left the room"})
            continue
        digest = hashlib.sha256("\n".join(mine).encode()).hexdigest()
        claimed = len(mine) + (1 if index == 9 else 0)  # index 9: a record never arrived
        add("attempt.finished", {"record_count": claimed, "digest": digest})
    return outboxes
