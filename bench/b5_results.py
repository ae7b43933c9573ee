"""B5: ``GET /api/deliveries/{id}/results`` for 10,000 finished attempts × 200 questions.

Makes its own PostgreSQL database (``MEDXAM_BENCH_DATABASE_URL``, default
``postgresql://postgres@127.0.0.1:5432/test`` as the server to create it on), migrates
it, bulk-loads 2,000,000 answers with COPY, then times the endpoint through the app
(median of a few runs) and, in the same run, the bare ``GROUP BY question_id`` over the
same answers. The database is dropped afterwards.

    python -m bench.b5_results [--attempts 10000] [--questions 200] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psycopg
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from bench.report import line
from medxam_server.config import Settings, normalise_database_url
from medxam_server.db.session import make_engine, transaction
from medxam_server.main import create_app
from medxam_server.migrate import upgrade
from medxam_server.models import answer_mask
from medxam_server.rules.points import UNITS_PER_POINT
from medxam_server.rules.receipt_codes import receipt_code, records_digest
from medxam_server.services.accounts import auth

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_SECONDS = 1.5
TARGET_RATIO = 6.0
PASSWORD = "bench password 123"
SECRET = "bench"  # the server secret, so the receipt codes are what it would issue
LABELS = "ABCDE"


def _libpq(url: str, database: str | None = None) -> str:
    parsed = make_url(normalise_database_url(url)).set(drivername="postgresql")
    if database:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    name = f"medxam_b5_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        yield _libpq(server_url, name)
    finally:
        with psycopg.connect(_libpq(server_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def load(url: str, attempts: int, questions: int, seed: int = 5) -> str:
    """Insert one delivery with ``attempts`` finished attempts; returns the delivery id."""
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    ids = {name: str(uuid.uuid4()) for name in ("user", "group", "set", "exam", "delivery")}
    question_ids = [str(uuid.uuid4()) for _ in range(questions)]
    kinds = ["single" if i % 4 else "multiple" for i in range(questions)]
    kinds = [kind if i % 10 else "true_false" for i, kind in enumerate(kinds)]
    keys = []
    for kind in kinds:
        if kind == "multiple":
            keys.append(sorted(rng.choice(list(LABELS), size=2, replace=False).tolist()))
        else:
            keys.append([LABELS[int(rng.integers(2 if kind == "true_false" else 5))]])
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        # A bulk load of rows made consistent here: skip the per-row foreign-key triggers.
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            "INSERT INTO users (id, username, full_name, role, password_hash, created_at,"
            " updated_at) VALUES (%s, 'seed', 'Seed', 'admin', 'x', %s, %s)",
            (ids["user"], now, now),
        )
        cur.execute(
            "INSERT INTO groups (id, name, description, created_at, updated_at)"
            " VALUES (%s, 'B5', '', %s, %s)",
            (ids["group"], now, now),
        )
        cur.execute(
            "INSERT INTO question_sets (id, title, description, created_at, updated_at)"
            " VALUES (%s, 'B5', '', %s, %s)",
            (ids["set"], now, now),
        )
        cur.execute(
            "INSERT INTO exams (id, title, description, duration_minutes, pass_score_units,"
            " shuffle_questions, shuffle_options, version, created_at, updated_at)"
            " VALUES (%s, 'B5', '', 120, %s, false, false, 1, %s, %s)",
            (ids["exam"], 120 * UNITS_PER_POINT, now, now),
        )
        with cur.copy(
            "COPY questions (id, question_set_id, type, stem, options, key, points_units,"
            " penalty_units, created_at, updated_at) FROM STDIN"
        ) as copy:
            for qid, kind, key in zip(question_ids, kinds, keys, strict=True):
                count = 2 if kind == "true_false" else 5
                options = [{"label": LABELS[o], "text": f"Option {o}"} for o in range(count)]
                text = (json.dumps(options), json.dumps(key))
                points = (UNITS_PER_POINT, UNITS_PER_POINT // 4)
                copy.write_row((qid, ids["set"], kind, "Stem?", *text, *points, now, now))
        with cur.copy("COPY exam_questions (exam_id, position, question_id) FROM STDIN") as copy:
            for position, qid in enumerate(question_ids, start=1):
                copy.write_row((ids["exam"], position, qid))
        cur.execute(
            "INSERT INTO deliveries (id, exam_id, group_id, title, opens_at, closes_at,"
            " location, start_code, created_at, updated_at)"
            " VALUES (%s, %s, %s, 'B5', %s, %s, NULL, 'ABCD2345', %s, %s)",
            (ids["delivery"], ids["exam"], ids["group"], now, now, now, now),
        )
        taker_ids = [str(uuid.uuid4()) for _ in range(attempts)]
        attempt_ids = [str(uuid.uuid4()) for _ in range(attempts)]
        with cur.copy(
            "COPY takers (id, candidate_number, full_name, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n, tid in enumerate(taker_ids):
                copy.write_row((tid, f"B5-{n:06d}", f"Candidate {n}", now, now))
        # Answers: correct with a probability from ability and difficulty; 5% omitted.
        ability = rng.normal(size=(attempts, 1))
        difficulty = rng.normal(size=(1, questions))
        correct = rng.random((attempts, questions)) < 1 / (1 + np.exp(difficulty - ability))
        omitted = rng.random((attempts, questions)) < 0.05
        distractor = rng.integers(0, 5, size=(attempts, questions))
        key_text = [json.dumps(key) for key in keys]
        wrong_text = [
            [json.dumps([LABELS[d % (2 if kind == "true_false" else 5)]]) for d in range(5)]
            for kind in kinds
        ]
        key_masks = [answer_mask(key) for key in keys]
        wrong_masks = [[answer_mask(json.loads(text)) for text in texts] for texts in wrong_text]
        scores = (correct & ~omitted).sum(axis=1)
        wrongs = (~correct & ~omitted).sum(axis=1)
        with cur.copy(
            "COPY attempts (id, delivery_id, exam_id, taker_id, status,"
            " score_units, penalty_units, max_score_units, score_source, created_by,"
            " created_at, updated_at, integrity, started_at, finished_at, record_count,"
            " digest, receipt_code) FROM STDIN"
        ) as copy:
            for j, (aid, tid) in enumerate(zip(attempt_ids, taker_ids, strict=True)):
                units = (int(scores[j]) * UNITS_PER_POINT, int(wrongs[j]) * UNITS_PER_POINT // 4)
                tail = (questions * UNITS_PER_POINT, "auto", ids["user"], now, now, "complete")
                # The finish a sync would have held: a count, a digest and its receipt code.
                digest = records_digest([aid])
                code = receipt_code(SECRET.encode(), aid, digest)
                tail += (now, now, questions + 1, digest, code)
                copy.write_row((aid, ids["delivery"], ids["exam"], tid, "finished", *units, *tail))
        stamp = now.isoformat()
        with cur.copy(
            "COPY attempt_questions (attempt_id, question_id, position, answer, time_spent_ms,"
            " answered_at, flagged, is_correct, points_awarded_units, answer_seq, time_seq,"
            " answer_mask)"
            " FROM STDIN"
        ) as copy:
            for j, aid in enumerate(attempt_ids):
                rows = []
                for i, qid in enumerate(question_ids):
                    if omitted[j, i]:
                        answer, mask, is_correct, points = "[]", 0, "\\N", "0"
                    elif correct[j, i]:
                        answer, mask = key_text[i], key_masks[i]
                        is_correct, points = "t", str(UNITS_PER_POINT)
                    else:
                        answer, mask = (
                            wrong_text[i][distractor[j, i]],
                            wrong_masks[i][distractor[j, i]],
                        )
                        is_correct, points = "f", str(-UNITS_PER_POINT // 4)
                    rows.append(
                        f"{aid}\t{qid}\t{i + 1}\t{answer}\t30000\t{stamp}\tf\t{is_correct}"
                        f"\t{points}\t{i + 1}\t{i + 1}\t{mask}\n"
                    )
                copy.write("".join(rows))
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return ids["delivery"]


def time_baseline(url: str, delivery_id: str, runs: int) -> float:
    statement = (
        "SELECT aq.question_id, count(*) FROM attempt_questions AS aq"
        " JOIN attempts AS a ON a.id = aq.attempt_id"
        " WHERE a.delivery_id = %s GROUP BY aq.question_id"
    )
    timings = []
    with psycopg.connect(url) as conn:
        conn.execute(statement, (delivery_id,)).fetchall()  # warm-up
        for _ in range(runs):
            started = time.perf_counter()
            rows = conn.execute(statement, (delivery_id,)).fetchall()
            timings.append(time.perf_counter() - started)
            assert rows
    return statistics.median(timings)


def time_results(url: str, delivery_id: str, runs: int, attempts: int) -> float:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(database_url=url, data_dir=Path(data_dir), secret_key=SECRET)
        app = create_app(settings)
        with transaction(app.state.session_factory) as session:
            auth.create_user(
                session, username="bench", password=PASSWORD, full_name="Bench", role="admin"
            )
        with TestClient(app) as client:
            login = client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            path = f"/api/deliveries/{delivery_id}/results"
            warm = client.get(path, headers=headers)
            warm.raise_for_status()
            assert warm.json()["summary"]["n"] == attempts
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings.append(time.perf_counter() - started)
                response.raise_for_status()
        app.state.engine.dispose()
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.b5_results")
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    server_url = os.environ.get("MEDXAM_BENCH_DATABASE_URL", DEFAULT_URL)
    target = f"<={TARGET_SECONDS} s and <={TARGET_RATIO:g}x"
    try:
        with fresh_database(server_url) as url:
            engine = make_engine(normalise_database_url(url))
            upgrade(engine)
            engine.dispose()
            started = time.perf_counter()
            delivery_id = load(url, args.attempts, args.questions)
            load_s = time.perf_counter() - started
            print(
                f"# loaded {args.attempts * args.questions} answers in {load_s:.1f} s",
                file=sys.stderr,
            )
            results_s = time_results(url, delivery_id, args.runs, args.attempts)
            baseline_s = time_baseline(url, delivery_id, args.runs)
    except Exception as exc:
        print(f"B5 FAIL setup failed: {type(exc).__name__}: {exc}")
        return 1
    ratio = results_s / baseline_s
    passed = results_s <= TARGET_SECONDS and ratio <= TARGET_RATIO
    figures: dict[str, float | int | str] = {
        "results_s": results_s,
        "baseline_s": baseline_s,
        "ratio": ratio,
    }
    print(line("B5", figures, target, passed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
