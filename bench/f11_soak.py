"""F11: many workstations reconnect at once through random faults; nothing lost or doubled.

Each simulated workstation is the real thing minus the window: its own Store (one
candidate answering every question twice, most of them finishing), ApiClient and
Pusher. All of them wait at a barrier, then sync at once through the fault proxy
(dropped answers after commit, requests cut mid-body, answers cut, 503 with
Retry-After, delays), each retrying on its own capped, jittered backoff. Then the
server's database is compared with every workstation's store, record for record:
lost = local records the server does not hold; doubled = records or answers held more
than once. p50/p99 are the server's latencies as the proxy saw them.

    python -m bench.f11_soak [--workstations 500] [--fault-rate 0.15] [--seed 11]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import create_engine, select

from bench.report import line
from bench.sync_setup import (
    ProxyProcess,
    StoreFactory,
    delivery,
    fresh_database,
    server,
    use_memory_keyring,
)
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.backoff import Backoff
from medxam_desktop.sync.package import decrypt_content
from medxam_desktop.sync.pusher import Pusher
from medxam_server.config import normalise_database_url
from medxam_server.models import Attempt, AttemptQuestion, SyncRecord
from tests.contract.live_server import PASSWORD

DEADLINE_S = 240.0
CALM_S = 120.0


def make_workstations(
    url: str, setup: dict[str, object], count: int, folder: Path, rng: random.Random
) -> list[Pusher]:
    delivery_info: dict[str, str] = setup["delivery"]  # type: ignore[assignment]
    takers: list[dict[str, str]] = setup["takers"]  # type: ignore[assignment]
    login = ApiClient(url)
    token, _ = login.login("pat", PASSWORD)
    package = login.download_package(delivery_info["id"]).body
    login.close()
    assert package is not None
    content = decrypt_content(package, delivery_info["start_code"])
    factory = StoreFactory(folder)
    pushers = []
    for index in range(count):
        store = factory.open(f"ws{index}")
        store.packages.save(package)
        attempt = store.attempts.check_in(
            delivery_id=delivery_info["id"], taker_id=takers[index]["id"], by=None
        )
        store.attempts.start(attempt.id, by=None)
        for _ in range(2):
            for question in content.questions:
                labels = [o.label for o in question.options]
                chosen = tuple(rng.sample(labels, 2 if question.allows_several else 1))
                store.answers.enter_question(attempt.id, question_id=question.id)
                store.answers.save(
                    attempt.id, question_id=question.id, answer=chosen, flagged=False
                )
        if rng.random() < 0.9:
            store.attempts.finish(attempt.id, by=None)
        pusher = Pusher(store, ApiClient(url, token=token), rng=random.Random(index))
        pusher.backoff = Backoff(base_s=0.5, cap_s=8.0, rng=random.Random(index))
        pushers.append(pusher)
    return pushers


def reconnect_all(pushers: list[Pusher]) -> tuple[list[int], int]:
    """Every workstation syncs at once and retries until done or ``DEADLINE_S``:
    (tries per workstation, workstations still with queued records)."""
    barrier = threading.Barrier(len(pushers))
    tries = [0] * len(pushers)
    deadline = time.monotonic() + DEADLINE_S

    def run(index: int, pusher: Pusher) -> None:
        barrier.wait()
        while time.monotonic() < deadline:
            tries[index] += 1
            try:
                pusher.sync()
                return
            except Exception as exc:
                time.sleep(pusher.backoff.next_delay(getattr(exc, "retry_after", None)))

    threads = [
        threading.Thread(target=run, args=(i, p), daemon=True) for i, p in enumerate(pushers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DEADLINE_S + 60)
    return tries, sum(1 for p in pushers if p.store.outbox.counts().pending)


def drain_calmly(pushers: list[Pusher]) -> int:
    """After the storm, the network calm: every workstation still holding queued records
    syncs again, within ``CALM_S`` in all (a wedged server must not hang the bench).
    Returns how many still hold queued records."""
    deadline = time.monotonic() + CALM_S
    for pusher in pushers:
        for _ in range(3):
            if time.monotonic() > deadline:
                break
            try:
                pusher.sync()
                break
            except Exception:
                time.sleep(0.5)
    return sum(1 for p in pushers if p.store.outbox.counts().pending)


def compare(database_url: str, pushers: list[Pusher]) -> tuple[int, int, int]:
    """(lost, doubled, not complete) over every workstation."""
    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        held = Counter(
            str(rid).lower() for rid in connection.execute(select(SyncRecord.id)).scalars()
        )
        answers: dict[str, list[tuple[str, list[str]]]] = defaultdict(list)
        for attempt_id, question_id, answer in connection.execute(
            select(AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.answer)
        ):
            answers[str(attempt_id)].append((str(question_id), sorted(answer)))
        integrity = dict(connection.execute(select(Attempt.id, Attempt.integrity)).all())
    engine.dispose()
    lost = doubled = incomplete = 0
    for pusher in pushers:
        store: Store = pusher.store
        for record in store.outbox.records():
            copies = held.get(record.id, 0)
            lost += copies == 0
            doubled += max(0, copies - 1)
        for info in store.packages.list():
            for attempt in store.attempts.list_for_delivery(info.delivery_id):
                server_rows = answers.get(attempt.id, [])
                questions = [q for q, _ in server_rows]
                doubled += len(questions) - len(set(questions))
                mine = {q: sorted(a.answer) for q, a in store.answers.current(attempt.id).items()}
                theirs = {q: a for q, a in server_rows if a}
                lost += sum(1 for q, a in mine.items() if a and theirs.get(q) != a)
                if attempt.status.value == "finished":
                    done = integrity.get(attempt.id) == "complete" == attempt.integrity
                    incomplete += not (done and attempt.receipt_code)
    return lost, doubled, incomplete


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.f11_soak")
    parser.add_argument("--workstations", type=int, default=500)
    parser.add_argument("--fault-rate", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    target = "lost=0 doubled=0, every finished attempt complete"
    use_memory_keyring()
    rng = random.Random(args.seed)
    try:
        with fresh_database("f11") as database_url, server(database_url, workers=2) as url:
            setup = delivery(url, takers=args.workstations)
            proxy = ProxyProcess(url, rate=args.fault_rate, seed=args.seed)
            with tempfile.TemporaryDirectory() as folder:
                pushers = make_workstations(proxy.url, setup, args.workstations, Path(folder), rng)
                started = time.perf_counter()
                tries, undrained = reconnect_all(pushers)
                elapsed = time.perf_counter() - started
                latencies, faults = proxy.calm()
                undrained_after_calm = drain_calmly(pushers)
                lost, doubled, incomplete = compare(database_url, pushers)
                for pusher in pushers:
                    pusher.client.close()
                    pusher.store.close()
            proxy.close()
    except Exception as exc:
        print(f'F11 FAIL setup: {type(exc).__name__}: {exc} target="{target}"')
        return 1
    latencies = sorted(latencies) or [0.0]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    figures: dict[str, float | int | str] = {
        "workstations": args.workstations,
        "lost": lost,
        "doubled": doubled,
        "incomplete": incomplete,
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(p99, 1),
        "faults": faults,
        "tries_max": max(tries),
        "settle_s": round(elapsed, 1),
        "undrained_at_deadline": undrained,
        "undrained_after_calm": undrained_after_calm,
    }
    print(line("F11", figures, target, lost == 0 and doubled == 0 and incomplete == 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
