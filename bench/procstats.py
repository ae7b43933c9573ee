"""What the benchmarks read of other processes from Linux ``/proc``: process trees,
PostgreSQL backends, their CPU time and their resident memory."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _status(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text(encoding="ascii", errors="replace")
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def tree_pids(root: int) -> set[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for pid in _pids():
        try:
            parents[pid] = int(_status(pid).get("PPid", "0").strip() or 0)
        except OSError:
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def postgres_backend_pids(database: str) -> set[int]:
    """The local PostgreSQL server's backends connected to ``database`` (by their
    process titles, ``postgres: <version>/<cluster>: <user> <database> <client> ...``)."""
    found = set()
    for pid in _pids():
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if title.startswith("postgres:") and f" {database} " in title:
            found.add(pid)
    return found


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """User plus system CPU time of each process still running."""
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


class CpuMeter:
    """The CPU time the processes named by ``pids()`` spend while the ``with`` block runs
    (those that exit meanwhile are not counted)."""

    def __init__(self, pids: Callable[[], set[int]]) -> None:
        self._pids = pids
        self._before: dict[int, float] = {}
        self.seconds = 0.0

    def __enter__(self) -> CpuMeter:
        self._before = cpu_seconds(self._pids())
        return self

    def __exit__(self, *_exc: object) -> None:
        after = cpu_seconds(self._pids())
        self.seconds = sum(spent - self._before.get(pid, 0.0) for pid, spent in after.items())


def rss_mb(pids: Iterable[int]) -> float:
    total_kb = 0
    for pid in pids:
        try:
            total_kb += int(_status(pid).get("VmRSS", "0 kB").split()[0])
        except OSError:
            continue
    return total_kb / 1024


class RssSampler:
    """The peak of the summed resident memory of a process and its children, sampled
    every 50 ms in a thread while the ``with`` block runs. Shared library pages count once
    per process, so the sum errs on the high side. The process tree is walked once a
    second: walking it reads every process's status and, every 50 ms, took CPU from the
    benchmark it watches."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        pids: set[int] = set()
        walked = 0.0
        while True:
            if time.monotonic() - walked >= 1.0:
                pids, walked = tree_pids(self.pid), time.monotonic()
            self.peak_mb = max(self.peak_mb, rss_mb(pids))
            if self._stop.wait(0.05):
                return
