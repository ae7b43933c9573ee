"""Migration 0006 on a database with data: every existing proctor is assigned to every
existing delivery (nothing a proctor saw before the upgrade disappears), and attempts
that repeat a taker in a delivery are all kept, numbered as sittings 1, 2, ..."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from medxam_server.db.session import make_engine
from medxam_server.migrate import upgrade
from tests.server.migration_tables import ID, T0, USERS, WHEN, new_id, table, uuid_text

EXAMS = table(
    "exams", id=ID, title=sa.String, description=sa.Text, duration_minutes=sa.Integer,
    pass_score_units=sa.BigInteger, shuffle_questions=sa.Boolean, shuffle_options=sa.Boolean,
    version=sa.Integer, created_at=WHEN, updated_at=WHEN,
)  # fmt: skip
GROUPS = table(
    "groups", id=ID, name=sa.String, description=sa.Text, created_at=WHEN, updated_at=WHEN
)
TAKERS = table(
    "takers", id=ID, candidate_number=sa.String, full_name=sa.String, created_at=WHEN,
    updated_at=WHEN,
)  # fmt: skip
DELIVERIES = table(
    "deliveries", id=ID, exam_id=ID, group_id=ID, title=sa.String, opens_at=WHEN,
    closes_at=WHEN, start_code=sa.String, created_at=WHEN, updated_at=WHEN,
)  # fmt: skip
ATTEMPTS = table(
    "attempts", id=ID, delivery_id=ID, exam_id=ID, taker_id=ID, status=sa.String,
    started_at=WHEN, max_score_units=sa.BigInteger, score_source=sa.String, created_by=ID,
    created_at=WHEN, updated_at=WHEN, integrity=sa.String,
)  # fmt: skip


def test_0006_assigns_every_proctor_and_numbers_repeated_attempts(
    empty_database_url: str,
) -> None:
    engine = make_engine(empty_database_url)
    upgrade(engine, "0005")
    stamp = {"created_at": T0, "updated_at": T0}
    users = {name: new_id() for name in ("ann", "pat", "kim")}
    exam, group, takers, deliveries = new_id(), new_id(), [new_id(), new_id()], [new_id(), new_id()]
    repeats = [new_id(), new_id(), new_id()]  # one taker started three times (before the fix)
    single = new_id()
    with engine.begin() as db:
        db.execute(
            sa.insert(USERS),
            [
                {"id": uid, "username": name, "full_name": name, "password_hash": "x", **stamp}
                | {"role": "admin" if name == "ann" else "proctor"}
                for name, uid in users.items()
            ],
        )
        db.execute(
            sa.insert(EXAMS),
            {"id": exam, "title": "E", "description": "", "duration_minutes": 60}
            | {"pass_score_units": 0, "shuffle_questions": False, "shuffle_options": False}
            | {"version": 1, **stamp},
        )
        db.execute(sa.insert(GROUPS), {"id": group, "name": "G", "description": "", **stamp})
        db.execute(
            sa.insert(TAKERS),
            [{"id": t, "candidate_number": t, "full_name": "T", **stamp} for t in takers],
        )
        db.execute(
            sa.insert(DELIVERIES),
            [
                {"id": d, "exam_id": exam, "group_id": group, "title": "D", "start_code": "X"}
                | {"opens_at": T0, "closes_at": T0 + timedelta(hours=3), **stamp}
                for d in deliveries
            ],
        )
        common = {"delivery_id": deliveries[0], "exam_id": exam, "max_score_units": 0}
        common |= {"score_source": "auto", "created_by": users["pat"], "integrity": "unverified"}
        db.execute(
            sa.insert(ATTEMPTS),
            [
                {"id": aid, "taker_id": takers[0], "status": status, **common, **stamp}
                | {"started_at": T0 + timedelta(minutes=minutes)}
                for aid, status, minutes in zip(
                    repeats, ("terminated", "finished", "in_progress"), (30, 5, 50), strict=True
                )
            ]
            + [
                {"id": single, "taker_id": takers[1], "status": "in_progress", **common, **stamp}
                | {"started_at": T0}
            ],
        )
    upgrade(engine, "0006")
    with engine.connect() as db:
        assigned = set(db.execute(sa.text("SELECT delivery_id, user_id FROM delivery_proctors")))
        sittings = {aid: n for aid, n in db.execute(sa.text("SELECT id, sitting FROM attempts"))}
    engine.dispose()
    proctors = (users["pat"], users["kim"])
    assert {(uuid_text(d), uuid_text(u)) for d, u in assigned} == {
        (d, p) for d in deliveries for p in proctors
    }
    by_id = {uuid_text(aid): sitting for aid, sitting in sittings.items()}
    assert [by_id[aid] for aid in repeats] == [2, 1, 3]  # in the order they started
    assert by_id[single] == 1
