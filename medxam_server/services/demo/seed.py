"""The demo data set: two users, a group of six takers, a 12-question exam, an open delivery.

Loading it again changes nothing (every row is looked up by its fixed name first), except
that the demo delivery is re-opened if it has closed, so the demo always works.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import (
    Delivery,
    DeliveryProctor,
    Exam,
    Group,
    GroupMember,
    Taker,
    User,
    utcnow,
)
from medxam_server.rules.points import to_units
from medxam_server.services.accounts import auth
from medxam_server.services.setup import deliveries, exams, groups, takers
from medxam_server.services.setup.exams import ExamData, MediaData
from medxam_server.services.setup.questions import QuestionData

log = logging.getLogger(__name__)

DEMO_EXAM_PATH = Path(__file__).resolve().parents[3] / "resources" / "demo_exam.json"
DEMO_USERS = (
    ("admin", "admin-demo", "Demo Admin", "admin"),
    ("proctor", "proctor-demo", "Demo Proctor", "proctor"),
)
DEMO_GROUP = "Demo cohort"
DEMO_DELIVERY = "Demo sitting"
DEMO_START_CODE = "EXAM2345"
DEMO_TAKERS = (
    ("DEMO-001", "Amara Okafor"),
    ("DEMO-002", "Ben Hartley"),
    ("DEMO-003", "Chen Wei"),
    ("DEMO-004", "Dolores Ruiz"),
    ("DEMO-005", "Erik Lindqvist"),
    ("DEMO-006", "Fatima Haddad"),
)


@dataclass(frozen=True, slots=True)
class DemoInfo:
    delivery_id: str
    exam_id: str
    start_code: str


def load_demo(session: Session, exam_path: Path = DEMO_EXAM_PATH) -> DemoInfo:
    for username, password, full_name, role in DEMO_USERS:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            auth.create_user(
                session, username=username, password=password, full_name=full_name, role=role
            )
    group_id = _demo_group(session)
    exam_id = _demo_exam(session, exam_path)
    delivery = session.scalar(
        select(Delivery).where(Delivery.title == DEMO_DELIVERY, Delivery.exam_id == exam_id)
    )
    now = utcnow()
    if delivery is None:
        delivery = deliveries.create_delivery(
            session,
            deliveries.DeliveryData(
                exam_id=exam_id,
                group_id=group_id,
                title=DEMO_DELIVERY,
                opens_at=now - timedelta(hours=1),
                closes_at=now + timedelta(days=30),
                location="Demo test centre, room 1",
            ),
            start_code=DEMO_START_CODE,
        )
    elif not delivery.opens_at <= now < delivery.closes_at:
        delivery.opens_at, delivery.closes_at = now - timedelta(hours=1), now + timedelta(days=30)
    session.flush()
    _assign_demo_proctor(session, delivery.id)
    return DemoInfo(delivery.id, exam_id, delivery.start_code)


def _assign_demo_proctor(session: Session, delivery_id: str) -> None:
    """The demo proctor sees the demo delivery (proctors see assigned deliveries only)."""
    usernames = [username for username, _, _, role in DEMO_USERS if role == "proctor"]
    proctor_ids = session.scalars(select(User.id).where(User.username.in_(usernames))).all()
    for proctor_id in proctor_ids:
        if session.get(DeliveryProctor, (delivery_id, proctor_id)) is None:
            session.add(DeliveryProctor(delivery_id=delivery_id, user_id=proctor_id))
    session.flush()


def _demo_group(session: Session) -> str:
    group = session.scalar(select(Group).where(Group.name == DEMO_GROUP))
    if group is None:
        group = groups.create_group(
            session, name=DEMO_GROUP, description="Six demo candidates for trying MedXam out."
        )
    numbers = [number for number, _ in DEMO_TAKERS]
    existing = set(
        session.scalars(select(Taker.candidate_number).where(Taker.candidate_number.in_(numbers)))
    )
    missing = [
        takers.TakerData(candidate_number=number, full_name=name)
        for number, name in DEMO_TAKERS
        if number not in existing
    ]
    if missing:
        takers.create_takers(session, missing)
    member_ids = session.scalars(select(Taker.id).where(Taker.candidate_number.in_(numbers))).all()
    current = set(
        session.scalars(select(GroupMember.taker_id).where(GroupMember.group_id == group.id))
    )
    if set(member_ids) - current:
        groups.replace_group_takers(session, group.id, sorted(current | set(member_ids)))
    return group.id


def _demo_exam(session: Session, exam_path: Path) -> str:
    document: dict[str, Any] = json.loads(exam_path.read_text(encoding="utf-8"))
    existing = session.scalar(select(Exam.id).where(Exam.title == document["title"]))
    if existing is not None:
        return existing
    result = exams.import_exam(
        session,
        ExamData(
            title=document["title"],
            description=document.get("description", ""),
            duration_minutes=document["duration_minutes"],
            pass_score_units=to_units(document["pass_score"]),
            shuffle_questions=document.get("shuffle_questions", False),
            shuffle_options=document.get("shuffle_options", False),
        ),
        [
            QuestionData(
                type=q["type"],
                stem=q["stem"],
                options=q.get("options", []),
                key=q["key"],
                points_units=to_units(q.get("points", 1)),
                penalty_units=to_units(q.get("penalty", 0)),
                explanation=q.get("explanation"),
            )
            for q in document["questions"]
        ],
        [
            MediaData(m["name"], m["content_type"], base64.b64decode(m["data"]))
            for m in document.get("media", [])
        ],
    )
    log.info("demo exam %r loaded with %d questions", document["title"], len(result.question_ids))
    return result.exam_id
