"""B4: server ingest over loopback HTTP, 1000-record batches, on PostgreSQL.

Makes a fresh database on ``MEDXAM_BENCH_DATABASE_URL`` (default
postgresql://postgres@127.0.0.1:5432/test), starts the real server with uvicorn in a
subprocess (``MEDXAM_B4_WORKERS`` worker processes, default 2: one per core of the
reference machine), and pushes whole attempts (start, answers, finish) from this process
as a test centre does: ``MEDXAM_B4_CLIENTS`` threads (default 4), each pushing the
outboxes of its own workstations batch after batch, in order. The baseline, in the same
run, is a psycopg ``executemany`` upsert of the same records straight into a copy of the
``sync_records`` table, one transaction per 1000 rows.

The line also gives the CPU time per batch of the server's processes and of the
database's backends during the push (``/proc``): on a shared machine whose speed varies
from minute to minute, a firmer figure for comparing code than the rate.
``ingest_run`` is also the server half of B7: the server's memory (every process of it)
is sampled while it ingests.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.procstats import CpuMeter, RssSampler, postgres_backend_pids, tree_pids
from bench.report import line
from medxam_server.config import normalise_database_url
from medxam_server.db.session import make_engine, transaction
from medxam_server.migrate import upgrade
from medxam_server.services.accounts import auth
from tests.support.server import base_url, free_port, server_child, uvicorn_command

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
TARGET = ">=25000 and >=0.35"
BATCH = 1000
QUESTIONS = 100
ATTEMPTS = int(os.environ.get("MEDXAM_B4_ATTEMPTS", "1500"))
# A multiple of CLIENTS, so every client thread has the same work: with 10 workstations
# two of the four threads had three and two had two, and the last third of the run went
# on with only two batches in flight.
WORKSTATIONS = int(os.environ.get("MEDXAM_B4_WORKSTATIONS", "12"))
WORKERS = int(os.environ.get("MEDXAM_B4_WORKERS", "2"))
CLIENTS = int(os.environ.get("MEDXAM_B4_CLIENTS", "4"))
PASSWORD = "bench-password-not-secret"


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def _seed(url: str, attempts: int) -> tuple[list[str], str, list[str]]:
    """Admin user, an exam of QUESTIONS questions, one delivery to a group of takers."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.server.factories import make_delivery, make_exam, make_group, make_taker, single

    engine = make_engine(normalise_database_url(url))
    upgrade(engine)
    from medxam_server.db.session import make_session_factory

    with transaction(make_session_factory(engine)) as session:
        auth.create_user(
            session, username="bench", password=PASSWORD, full_name="Bench", role="proctor"
        )
        exam = make_exam(session, questions=[single("B") for _ in range(QUESTIONS)])
        takers = [make_taker(session) for _ in range(attempts)]
        group = make_group(session, taker_ids=takers)
        delivery = make_delivery(session, exam_id=exam.exam_id, group_id=group)
    engine.dispose()
    return exam.question_ids, delivery, takers


def _records(questions: list[str], delivery: str, takers: list[str]) -> dict[str, list[Any]]:
    """Per workstation, its whole outbox: each attempt starts, answers all, finishes."""
    outboxes: dict[str, list[Any]] = {str(uuid.uuid4()): [] for _ in range(WORKSTATIONS)}
    names = list(outboxes)
    for index, taker in enumerate(takers):
        outbox = outboxes[names[index % WORKSTATIONS]]
        attempt = str(uuid.uuid4())
        mine: list[str] = []

        def add(
            kind: str,
            data: dict[str, Any],
            box: list[Any] = outbox,
            attempt: str = attempt,
            mine: list[str] = mine,
        ) -> None:
            record_id = str(uuid.uuid4())
            box.append(
                {
                    "id": record_id,
                    "seq": len(box) + 1,
                    "attempt_id": attempt,
                    "kind": kind,
                    "at": "2026-11-24T09:12:03Z",
                    "data": data,
                }
            )
            mine.append(record_id)

        add("attempt.started", {"delivery_id": delivery, "taker_id": taker})
        for n, question in enumerate(questions):
            add(
                "answer.saved",
                {
                    "question_id": question,
                    "answer": ["ABCD"[n % 4]],
                    "time_spent_ms": 1000 + n,
                    "flagged": False,
                },
            )
        digest = hashlib.sha256("\n".join(mine).encode()).hexdigest()
        add("attempt.finished", {"record_count": len(mine), "digest": digest})
    return outboxes


def _bodies(outboxes: dict[str, list[Any]]) -> list[list[bytes]]:
    """Per workstation, its outbox as the request bodies of its batches, in order."""
    per_workstation = []
    for ws, records in outboxes.items():
        bodies = []
        for start in range(0, len(records), BATCH):
            chunk = records[start : start + BATCH]
            body = {"protocol": 1, "workstation_id": ws, "records": chunk}
            bodies.append(json.dumps(body).encode())
        per_workstation.append(bodies)
    return per_workstation


def _server_env(url: str, data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "MEDXAM_DATABASE_URL": url,
        "MEDXAM_SECRET_KEY": "bench-secret",
        "MEDXAM_DATA_DIR": data_dir,
    }


def _sign_in(base: str) -> dict[str, str]:
    """The proctor's request headers (signing in hashes with Argon2: 64 MiB for a moment)."""
    with httpx.Client(base_url=base, timeout=120) as client:
        login = client.post("/api/auth/login", json={"username": "bench", "password": PASSWORD})
        login.raise_for_status()
    return {"Authorization": f"Bearer {login.json()['token']}", "Content-Type": "application/json"}


def _post(port: int, body: bytes, headers: dict[str, str]) -> Any:
    """One push on a new connection, as workstations come and go: the kernel hands each
    to whichever worker accepts first (four long-lived connections can all land on one
    worker). The standard library's client: httpx cost this process about 12 ms of CPU
    per batch, which on two cores is taken from the server being measured."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "POST",
            "/api/sync/push",
            body=body,
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"push answered {response.status}: {payload[:300]!r}")
    return json.loads(payload)


def _push_all(
    port: int, bodies: list[list[bytes]], headers: dict[str, str]
) -> tuple[float, float, int]:
    """Push every workstation's batches from CLIENTS threads; (seconds, this process's
    CPU seconds, records accepted)."""
    shares = [bodies[i::CLIENTS] for i in range(CLIENTS)]
    for _ in range(2 * WORKERS):  # warm up every worker's code paths
        empty = {"protocol": 1, "workstation_id": str(uuid.uuid4()), "records": []}
        _post(port, json.dumps(empty).encode(), headers)

    def push(outboxes: list[list[bytes]]) -> int:
        accepted = 0
        for outbox in outboxes:
            for body in outbox:
                results = _post(port, body, headers)["results"]
                accepted += sum(r["status"] == "accepted" for r in results)
        return accepted

    started, cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(len(shares)) as pool:
        counts = list(pool.map(push, shares))
    return time.perf_counter() - started, time.process_time() - cpu, sum(counts)


def _baseline(url: str, outboxes: dict[str, list[Any]]) -> float:
    """psycopg executemany upsert of the same records, a batch per transaction."""
    rows = []
    batch_id = str(uuid.uuid4())  # the same for every row, like a push's batch
    for ws, records in outboxes.items():
        for r in records:
            data = json.dumps(r["data"])
            content_hash = hashlib.sha256(json.dumps(r, sort_keys=True).encode()).hexdigest()
            rows.append(
                (
                    r["id"],
                    ws,
                    r["seq"],
                    r["attempt_id"],
                    r["kind"],
                    r["at"],
                    data,
                    content_hash,
                    batch_id,
                )
            )
    sql = (
        "INSERT INTO baseline_records (id, workstation_id, seq, attempt_id, kind, at, data, "
        "content_hash, batch_id, received_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "now()) ON CONFLICT DO NOTHING"
    )
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE baseline_records (LIKE sync_records INCLUDING ALL)")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for start in range(0, len(rows), BATCH):
                cursor.executemany(sql, rows[start : start + BATCH])
                connection.commit()
        return time.perf_counter() - started


@dataclass(frozen=True)
class IngestRun:
    records: int
    seconds: float
    server_peak_rss_mb: float  # all of the server's processes together
    server_cpu_s: float  # CPU time of the server's processes during the push
    postgres_cpu_s: float  # CPU time of the database's backends during the push
    client_cpu_s: float  # CPU time of this process (the pushing clients) during the push
    baseline_seconds: float | None

    @property
    def batches(self) -> int:
        return -(-self.records // BATCH)


def ingest_run(attempts: int = ATTEMPTS, *, baseline: bool = True) -> IngestRun:
    """A fresh database; the server started on it; every workstation's outbox pushed;
    then (``baseline``) the baseline timed on the same records; the database dropped."""
    admin_url = os.environ.get("MEDXAM_BENCH_DATABASE_URL", DEFAULT_URL)
    name = f"medxam_b4_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    url = _with_db(admin_url, name)
    try:
        questions, delivery, takers = _seed(url, attempts)
        outboxes = _records(questions, delivery, takers)
        bodies = _bodies(outboxes)
        total = sum(len(r) for r in outboxes.values())
        port = free_port()
        command = [*uvicorn_command(port), "--workers", str(WORKERS)]
        with (
            tempfile.TemporaryDirectory() as data_dir,
            server_child(command, port=port, env=_server_env(url, data_dir)) as server,
        ):
            headers = _sign_in(base_url(port))
            server_pid = server.pid
            server_cpu = CpuMeter(lambda: tree_pids(server_pid))
            postgres_cpu = CpuMeter(lambda: postgres_backend_pids(name))
            with RssSampler(server.pid) as memory, server_cpu, postgres_cpu:
                elapsed, client_cpu, accepted = _push_all(port, bodies, headers)
        if accepted != total:
            raise RuntimeError(f"only {accepted} of {total} records were accepted")
        baseline_seconds = _baseline(url, outboxes) if baseline else None
        return IngestRun(
            total,
            elapsed,
            memory.peak_mb,
            server_cpu.seconds,
            postgres_cpu.seconds,
            client_cpu,
            baseline_seconds,
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def main() -> None:
    try:
        run = ingest_run()
        assert run.baseline_seconds is not None
        rate = run.records / run.seconds
        baseline = run.records / run.baseline_seconds
        ratio = rate / baseline
        passed = rate >= 25000 and ratio >= 0.35
        figures: dict[str, float | int | str] = {
            "ingest_records_per_s": rate,
            "baseline_records_per_s": baseline,
            "ratio": round(ratio, 2),
            "records": run.records,
            "workers": WORKERS,
            "clients": CLIENTS,
            "server_cpu_ms_per_batch": run.server_cpu_s * 1000 / run.batches,
            "postgres_cpu_ms_per_batch": run.postgres_cpu_s * 1000 / run.batches,
            "client_cpu_ms_per_batch": run.client_cpu_s * 1000 / run.batches,
            "server_peak_rss_mb": run.server_peak_rss_mb,
        }
        print(line("B4", figures, TARGET, passed), flush=True)
    except Exception as exc:  # a failed setup is reported as FAIL, not raised
        print(f"B4 FAIL setup: {type(exc).__name__}: {exc}", flush=True)


if __name__ == "__main__":
    main()
