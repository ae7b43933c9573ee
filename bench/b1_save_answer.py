"""B1: saving one answer through the Store (answer + time segment + outbox record, one
durable transaction) against a bare sqlite3 insert + commit into a one-table database
with the same pragmas, measured in the same run (median of interleaved rounds)."""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import line
from medxam_desktop.store import Store
from medxam_desktop.store.engine import apply_pragmas
from tests.desktop.sample_exam import DELIVERY_ID, TAKER_IDS, package_bytes, question_ids

ROUNDS = 15
PER_ROUND = 40
TARGET_RATIO = 2.0


def _baseline(path: Path, count: int) -> list[float]:
    connection = sqlite3.connect(path, isolation_level=None)
    apply_pragmas(connection)
    connection.execute("CREATE TABLE IF NOT EXISTS answers (id INTEGER PRIMARY KEY, answer TEXT)")
    timings = []
    for index in range(count):
        started = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO answers (answer) VALUES (?)", (f'["{"ABCDE"[index % 5]}"]',)
        )
        connection.execute("COMMIT")
        timings.append(time.perf_counter() - started)
    connection.close()
    return timings


def _store_saves(store: Store, attempt_id: str, questions: list[str], count: int) -> list[float]:
    timings = []
    for index in range(count):
        question = questions[index % len(questions)]
        started = time.perf_counter()
        store.answers.save(
            attempt_id, question_id=question, answer=("ABCDE"[index % 5],), flagged=False
        )
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store.open(folder / "store.sqlite3")
        store.packages.save(package_bytes(question_count=300))
        attempt = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by=None)
        store.attempts.start(attempt.id, by=None)
        questions = question_ids(300)
        store.answers.enter_question(attempt.id, question_id=questions[0])
        _store_saves(store, attempt.id, questions, 20)  # warm-up: statement caches
        _baseline(folder / "baseline.sqlite3", 20)
        store_times: list[float] = []
        baseline_times: list[float] = []
        for _ in range(ROUNDS):
            baseline_times += _baseline(folder / "baseline.sqlite3", PER_ROUND)
            store_times += _store_saves(store, attempt.id, questions, PER_ROUND)
        store.close()
    save_ms = statistics.median(store_times) * 1000
    baseline_ms = statistics.median(baseline_times) * 1000
    ratio = save_ms / baseline_ms
    figures: dict[str, float | int | str] = {
        "save_ms": save_ms,
        "baseline_ms": baseline_ms,
        "ratio": ratio,
        "save_p99_ms": sorted(store_times)[int(len(store_times) * 0.99)] * 1000,
    }
    print(line("B1", figures, f"<={TARGET_RATIO}x baseline", ratio <= TARGET_RATIO))


if __name__ == "__main__":
    main()
