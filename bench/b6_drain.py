"""B6: a workstation drains 20,000 unacknowledged records to a loopback server.

The server runs as a child process on PostgreSQL (``MEDXAM_BENCH_DATABASE_URL``). The
workstation's real Store holds 20 finished attempts of 1,000 records each; the real
pusher drains them through ``ui.tasks.run_in_background`` while a Qt event loop runs
offscreen with a 5 ms timer on the UI thread: the longest gap between two ticks beyond
the interval is the longest UI-thread stall. As the program does after start-up
(``medxam_desktop.__main__``), long-lived objects are frozen out of the cyclic GC first;
without that a full GC pass stalls the UI thread for 100-250 ms. The baseline is the
same timer with nothing else to do, for two seconds, in the same run.

    python -m bench.b6_drain [--records 20000]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.report import line
from bench.sync_setup import StoreFactory, delivery, fresh_database, server, use_memory_keyring
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.package import decrypt_content
from medxam_desktop.sync.pusher import Pusher, PushReport
from tests.contract.live_server import PASSWORD

TARGET_S = 3.0
TARGET_STALL_MS = 50.0
TICK_MS = 5
PER_ATTEMPT = 1000


def fill(store: Store, client: ApiClient, setup: dict[str, object], records: int) -> int:
    """Finished attempts of ``PER_ATTEMPT`` records each; returns the records made."""
    delivery_info: dict[str, str] = setup["delivery"]  # type: ignore[assignment]
    package = client.download_package(delivery_info["id"]).body
    assert package is not None
    store.packages.save(package)
    content = decrypt_content(package, delivery_info["start_code"])
    takers: list[dict[str, str]] = setup["takers"]  # type: ignore[assignment]
    questions = content.questions
    for taker in takers[: max(1, records // PER_ATTEMPT)]:
        attempt = store.attempts.check_in(
            delivery_id=delivery_info["id"], taker_id=taker["id"], by=None
        )
        store.attempts.start(attempt.id, by=None)
        for i in range(PER_ATTEMPT - 3):  # + started, question.timed, finished
            question = questions[i % len(questions)]
            label = question.options[i % len(question.options)].label
            store.answers.save(attempt.id, question_id=question.id, answer=(label,), flagged=False)
        store.attempts.finish(attempt.id, by=None)
    return store.outbox.counts().pending


def idle_stall_ms(seconds: float) -> float:
    """The baseline: the longest stall of the same timer with nothing else to do."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    QTimer.singleShot(round(seconds * 1000), app.quit)
    timer.start()
    app.exec()
    timer.stop()
    gaps = [(b - a) * 1000 - TICK_MS for a, b in itertools.pairwise(ticks)]
    return max([0.0, *gaps])


def drain_with_ui(pusher: Pusher) -> tuple[float, float, PushReport | Exception]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from medxam_desktop.ui.tasks import run_in_background, wait_for_all

    app = QApplication.instance() or QApplication(sys.argv)
    clock = QElapsedTimer()
    worst = [0.0]
    last = [0.0]
    outcome: list[PushReport | Exception] = []

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        worst[0] = max(worst[0], now - last[0] - TICK_MS)
        last[0] = now

    def finished(result: PushReport | Exception) -> None:
        outcome.append(result)
        app.quit()

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    started = time.perf_counter()
    run_in_background(pusher.sync, on_done=finished, on_error=finished)
    app.exec()
    elapsed = time.perf_counter() - started
    timer.stop()
    wait_for_all()
    return elapsed, max(0.0, worst[0]), outcome[0]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.b6_drain")
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    target = f"<={TARGET_S:g} s, UI stall <={TARGET_STALL_MS:g} ms"
    use_memory_keyring()
    try:
        with fresh_database("b6") as database_url, server(database_url) as url:
            setup = delivery(url, takers=max(1, args.records // PER_ATTEMPT))
            client = ApiClient(url)
            client.login("pat", PASSWORD)
            with tempfile.TemporaryDirectory() as folder:
                store = StoreFactory(Path(folder)).open("workstation")
                made = fill(store, client, setup, args.records)
                pusher = Pusher(store, client)
                gc.collect()
                gc.freeze()  # as medxam_desktop.__main__ does after start-up
                baseline_ms = idle_stall_ms(2.0)
                elapsed, stall_ms, outcome = drain_with_ui(pusher)
                left = store.outbox.counts().pending
                store.close()
            client.close()
    except Exception as exc:  # the setup failed: say so on the one line
        print(f'B6 FAIL setup: {type(exc).__name__}: {exc} target="{target}"')
        return 1
    ok = not isinstance(outcome, Exception) and left == 0
    passed = ok and elapsed <= TARGET_S and stall_ms <= TARGET_STALL_MS
    figures: dict[str, float | int | str] = {
        "drain_s": round(elapsed, 3),
        "max_ui_stall_ms": round(stall_ms, 1),
        "baseline_idle_stall_ms": round(baseline_ms, 1),
        "records_per_s": round(made / elapsed),
        "records": made,
        "left": left,
    }
    if isinstance(outcome, Exception):
        figures["error"] = type(outcome).__name__
    print(line("B6", figures, target, passed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
