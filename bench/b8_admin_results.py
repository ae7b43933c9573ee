"""B8: opening the results of 10,000 attempts × 200 questions in the admin console.

Seeds a fresh PostgreSQL database (``MEDXAM_BENCH_DATABASE_URL``) with B5's data set
(``bench.b5_results.load``: one delivery, 10,000 finished attempts × 200 questions, by
COPY), starts the real server as a child process on loopback (``bench.sync_setup``),
and in this process builds the admin console as the app does (``ui.admin.build``,
offscreen, signed in as an admin, long-lived objects frozen out of the cyclic GC as
``medxam_desktop.__main__`` does). Each run then:

- baseline: ``GET /api/deliveries/{id}/results`` with httpx, the body read, not parsed;
- the console: ``console.open_delivery(id)`` until the Results page's ``summary_shown``
  (emitted right after the summary panel is repainted with the data): *first paint*;
  then until ``results_shown`` (table and chart filled) and 300 ms more;
- all through the open, a 5 ms precise ``QTimer`` on the UI thread: the longest gap
  between two ticks beyond 5 ms is the longest UI-thread block.

The figure is the median first paint over the runs against the median baseline, and the
worst block of all runs. Every block over 20 ms is listed on stderr with the phase it
fell in and the UI-thread steps of the page that were running (``--quiet`` hides it).

    python -m bench.b8_admin_results [--attempts 10000] [--questions 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx

from bench.b5_results import load
from bench.report import line
from bench.sync_setup import fresh_database, server
from tests.contract.live_server import PASSWORD

TARGET_FIRST_PAINT_S = 2.0
TARGET_BLOCK_MS = 50.0
TICK_MS = 5
SETTLE_MS = 300
REPORT_BLOCK_MS = 20.0
REPORT_GC_MS = 5.0
OPEN_TIMEOUT_S = 120.0
# UI-thread steps of the Results page timed for the report: (path from the page, method).
# UI-thread steps timed for the report: (console page, attribute path, method). Signal
# slots connected as bound methods cannot be wrapped; the methods they call can.
STEPS = (
    ("results", "", "_fetched"),
    ("results", "", "_fill_table"),
    ("results", "", "_fill_chart"),
    ("results", "", "_apply_filter"),
    ("results", "summary", "show_summary"),
    ("results", "histogram", "show_histogram"),
    ("results", "model", "set_rows"),
    ("items", "model", "set_items"),
    ("items", "table", "sortByColumn"),
    ("items", "", "select_row"),
    ("items", "chart", "show_item"),
    ("items", "groups", "show_item"),
)


@dataclass
class Timeline:
    """What happened on the UI thread during one open, in ms from the open."""

    origin: float = 0.0
    marks: dict[str, float] = field(default_factory=dict)
    steps: list[tuple[str, float, float]] = field(default_factory=list)  # name, start, end
    # gap end, block, of which the UI thread waited for a CPU (all ms)
    blocks: list[tuple[float, float, float]] = field(default_factory=list)

    def now(self) -> float:
        return (time.perf_counter() - self.origin) * 1000

    def phase(self, at: float) -> str:
        summary, shown = self.marks.get("summary_shown"), self.marks.get("results_shown")
        if summary is None or at <= summary:
            return "waiting for the results (background fetch and parse)"
        if shown is None or at <= shown:
            return "between the summary and the filled table"
        return "after the table was filled (painting)"


class StepRecorder:
    """Wraps the pages' UI-thread steps (once) so each run's start and end of every
    step go in the timeline of the run being measured."""

    def __init__(self, console: Any) -> None:
        self.timeline = Timeline()
        for key, path, name in STEPS:
            try:
                owner = console.page(key)
            except ValueError:  # the console has no such page
                continue
            for part in filter(None, path.split(".")):
                owner = getattr(owner, part, None)
            method = getattr(owner, name, None)
            if method is None:  # a renamed step would silently drop out of the report
                raise SystemExit(f"B8 FAIL: the {key} page has no step {path or 'page'}.{name}")
            setattr(owner, name, self._wrap(method, f"{key}.{path or 'page'}.{name}"))
        self._gc_started = 0.0
        self._ui_thread = threading.get_ident()
        gc.callbacks.append(self._collected)

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        """Cyclic GC passes go in the timeline too (one on a worker holds the GIL)."""
        now = self.timeline.now()
        if phase == "start":
            self._gc_started = now
            return
        where = "" if threading.get_ident() == self._ui_thread else " on a worker"
        self.timeline.steps.append((f"gc.gen{info['generation']}{where}", self._gc_started, now))

    def close(self) -> None:
        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)

    def _wrap(self, method: Callable[..., Any], name: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            timeline = self.timeline
            start = timeline.now()
            try:
                return method(*args, **kwargs)
            finally:
                timeline.steps.append((name, start, timeline.now()))

        return wrapper


class RunQueueClock:
    """Time the UI thread spent runnable but waiting for a CPU (``/proc/.../schedstat``,
    second field): the machine being busy, not this program blocking its UI thread."""

    def __init__(self) -> None:
        path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        try:
            self.fd: int | None = os.open(path, os.O_RDONLY)
        except OSError:
            self.fd = None

    def ms(self) -> float:
        if self.fd is None:
            return 0.0
        return int(os.pread(self.fd, 128, 0).split()[1]) / 1e6

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)


class Heartbeat:
    """A 5 ms precise timer on the UI thread; every gap beyond the interval is a block.

    Each block is kept with the part of it the UI thread spent waiting for a CPU while
    runnable (other processes on the machine), which is not the program's doing."""

    def __init__(self, timeline: Timeline) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timeline = timeline
        self.last = 0.0
        self.queued = 0.0
        self.clock = RunQueueClock()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.last, self.queued = self.timeline.now(), self.clock.ms()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.clock.close()

    def _tick(self) -> None:
        now, queued = self.timeline.now(), self.clock.ms()
        block = max(0.0, now - self.last - TICK_MS)
        self.timeline.blocks.append((now, block, min(block, queued - self.queued)))
        self.last, self.queued = now, queued

    @property
    def worst(self) -> float:
        return max([0.0, *(block for _, block, _ in self.timeline.blocks)])

    @property
    def worst_own(self) -> float:
        """The worst block less the time the thread waited for a CPU meanwhile."""
        return max([0.0, *(block - queued for _, block, queued in self.timeline.blocks)])


def spin(seconds: float) -> None:
    """Run the event loop for ``seconds``."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def idle_block_ms(seconds: float) -> float:
    timeline = Timeline(origin=time.perf_counter())
    beat = Heartbeat(timeline)
    beat.start()
    spin(seconds)
    beat.stop()
    return beat.worst


def baseline_get(url: str, token: str, delivery_id: str) -> tuple[float, int]:
    """The raw GET of the same results, body read: (seconds, bytes)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url + "/api", timeout=120) as http:
        started = time.perf_counter()
        response = http.get(f"/deliveries/{delivery_id}/results", headers=headers)
        body = response.content
        elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, len(body)


@dataclass(frozen=True)
class OpenRun:
    first_paint_s: float
    shown_s: float
    max_block_ms: float
    max_own_block_ms: float
    timeline: Timeline


def open_once(console: Any, page: Any, recorder: StepRecorder, delivery_id: str) -> OpenRun:
    """Ask the console to open the delivery; time the summary's first paint and the
    UI-thread blocks until the table is filled and SETTLE_MS more have passed."""
    from PySide6.QtCore import QEventLoop, QTimer

    timeline = recorder.timeline = Timeline()
    loop = QEventLoop()

    def summary_shown(shown_id: str) -> None:
        if shown_id == delivery_id:
            timeline.marks.setdefault("summary_shown", timeline.now())

    def results_shown(_snapshot: object) -> None:
        timeline.marks.setdefault("results_shown", timeline.now())
        QTimer.singleShot(SETTLE_MS, loop.quit)

    page.summary_shown.connect(summary_shown)
    page.results_shown.connect(results_shown)
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    beat = Heartbeat(timeline)
    timeline.origin = time.perf_counter()
    beat.start()
    guard.start(round(OPEN_TIMEOUT_S * 1000))
    opened = timeline.now()
    console.open_delivery(delivery_id)  # switches to the Results page, starts the fetch
    timeline.steps.append(("console.open_delivery", opened, timeline.now()))
    loop.exec()
    beat.stop()
    guard.stop()
    page.summary_shown.disconnect(summary_shown)
    page.results_shown.disconnect(results_shown)
    if "results_shown" not in timeline.marks:
        raise RuntimeError(f"the console did not show the results within {OPEN_TIMEOUT_S:g} s")
    return OpenRun(
        first_paint_s=timeline.marks["summary_shown"] / 1000,
        shown_s=timeline.marks["results_shown"] / 1000,
        max_block_ms=beat.worst,
        max_own_block_ms=beat.worst_own,
        timeline=timeline,
    )


def explain(run: int, result: OpenRun) -> None:
    t = result.timeline
    marks = ", ".join(f"{name} at {at:.0f} ms" for name, at in t.marks.items())
    print(
        f"# run {run}: {marks}; worst block {result.max_block_ms:.1f} ms "
        f"({result.max_own_block_ms:.1f} ms not waiting for a CPU)",
        file=sys.stderr,
    )
    for name, start, end in t.steps:
        if name.startswith("gc.") and end - start < REPORT_GC_MS:
            continue
        print(f"#   step {name}: {start:.0f}-{end:.0f} ms ({end - start:.1f} ms)", file=sys.stderr)
    for at, block, queued in t.blocks:
        if block < REPORT_BLOCK_MS:
            continue
        began = at - block - TICK_MS
        inside = [
            (n, max(s, began), min(e, at))
            for n, s, e in t.steps
            if s < at and e > began and (not n.startswith("gc.") or e - s >= REPORT_GC_MS)
        ]
        covered = _union([(s, e) for _, s, e in inside])
        running = ", ".join(f"{n} {e - s:.0f} ms" for n, s, e in inside) or "no page step"
        print(
            f"#   block {block:.0f} ms ending at {at:.0f} ms, {t.phase(at)}; page steps: "
            f"{running}; outside them (paint, layout, other threads): "
            f"{at - began - covered:.0f} ms; waiting for a CPU: {queued:.0f} ms",
            file=sys.stderr,
        )


def _union(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def paint_costs(page: Any) -> str:
    """How long one full paint of each part of the page takes (``QWidget.grab``)."""
    costs = []
    for name in ("summary", "histogram", "table"):
        widget = getattr(page, name, None)
        if widget is None:
            continue
        best = float("inf")
        for _ in range(3):  # the best of three: the machine is shared
            started = time.perf_counter()
            widget.grab()
            best = min(best, time.perf_counter() - started)
        costs.append(f"{name} {best * 1000:.1f} ms")
    return ", ".join(costs)


def build(url: str, data_dir: Path) -> tuple[Any, Any, str]:
    """The console as the app builds it for an admin: (console, results page, token)."""
    from PySide6.QtWidgets import QApplication

    from medxam_desktop.sync.api_client import ApiClient
    from medxam_desktop.ui.admin.build import build_console
    from medxam_desktop.ui.admin.context import AdminContext

    _ = QApplication.instance() or QApplication(sys.argv)
    client = ApiClient(url)
    token, user = client.login("admin", PASSWORD)
    console = build_console(AdminContext.make(client, user, data_dir))
    console.resize(1280, 800)
    console.show()
    return console, console.page("results"), token


def measure(url: str, delivery_id: str, runs: int, quiet: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="medxam-b8-") as data_dir:
        console, page, token = build(url, Path(data_dir))
        recorder = StepRecorder(console)
        baseline_get(url, token, delivery_id)  # warm the server (its first results import)
        spin(2.0)  # the Deliveries page's first fetches, as after signing in
        gc.collect()
        gc.freeze()  # as medxam_desktop.__main__ does after start-up
        idle_ms = idle_block_ms(1.0)
        baselines, opens, size = [], [], 0
        for run in range(1, runs + 1):
            elapsed, size = baseline_get(url, token, delivery_id)
            baselines.append(elapsed)
            spin(0.2)
            result = open_once(console, page, recorder, delivery_id)
            opens.append(result)
            if not quiet:
                print(f"# run {run}: baseline GET {elapsed:.3f} s", file=sys.stderr)
                explain(run, result)
            spin(0.5)
        recorder.close()
        rows = page.model.rowCount()
        if not quiet:
            print(f"# one full paint: {paint_costs(page)}", file=sys.stderr)
        console.close()
        console.context.api.client.close()
    return {
        "first_paint_s": statistics.median(r.first_paint_s for r in opens),
        "baseline_get_s": statistics.median(baselines),
        "max_ui_block_ms": max(r.max_block_ms for r in opens),
        "max_ui_block_own_ms": max(r.max_own_block_ms for r in opens),
        "first_paint_max_s": max(r.first_paint_s for r in opens),
        "table_filled_s": statistics.median(r.shown_s for r in opens),
        "idle_block_ms": idle_ms,
        "rows": rows,
        "body_mb": size / 1e6,
        "runs": runs,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.b8_admin_results")
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quiet", action="store_true", help="no per-run report on stderr")
    args = parser.parse_args()
    target = f"first paint <={TARGET_FIRST_PAINT_S:g} s and UI block <={TARGET_BLOCK_MS:g} ms"
    try:
        with fresh_database("b8") as database_url:
            started = time.perf_counter()
            delivery_id = load(database_url, args.attempts, args.questions)
            print(
                f"# seeded {args.attempts} x {args.questions} answers in "
                f"{time.perf_counter() - started:.1f} s",
                file=sys.stderr,
            )
            with server(database_url) as url:
                figures = measure(url, delivery_id, args.runs, args.quiet)
    except Exception as exc:  # the setup failed: say so on the one line
        print(f'B8 FAIL setup: {type(exc).__name__}: {exc} target="{target}"')
        return 1
    first_paint, baseline = figures["first_paint_s"], figures["baseline_get_s"]
    passed = (
        first_paint <= TARGET_FIRST_PAINT_S
        # The target is on the raw block; the block net of CPU waits is printed beside it
        # to tell a loaded machine from the console's own work.
        and figures["max_ui_block_ms"] <= TARGET_BLOCK_MS
        and figures["rows"] == args.attempts
    )
    out: dict[str, float | int | str] = {
        "first_paint_s": round(first_paint, 3),
        "baseline_get_s": round(baseline, 3),
        "ratio": round(first_paint / baseline, 2),
        "max_ui_block_ms": round(figures["max_ui_block_ms"], 1),
        "max_ui_block_own_ms": round(figures["max_ui_block_own_ms"], 1),
        "first_paint_max_s": round(figures["first_paint_max_s"], 3),
        "table_filled_s": round(figures["table_filled_s"], 3),
        "idle_block_ms": round(figures["idle_block_ms"], 1),
        "body_mb": round(figures["body_mb"], 2),
        "rows": figures["rows"],
        "runs": figures["runs"],
        "loadavg": round(os.getloadavg()[0], 1),
    }
    print(line("B8", out, target, passed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
