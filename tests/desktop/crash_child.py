"""F1: a scripted exam in a child process, killed with SIGKILL at random points.

``python -m tests.desktop.crash_child STORE SEED`` sits an exam on the store at STORE,
printing ``SAVED <question_id> <answer> <seq>`` only after ``save()`` has returned.
``run_kills`` (used by tests/desktop/test_crash_recovery.py and bench/f1_kill.py) starts
it again and again, kills it, reopens the store and checks that nothing was lost.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.store import Store
from tests.desktop.sample_exam import DELIVERY_ID, TAKER_IDS, package_bytes, question_ids

QUESTIONS = question_ids(20)
REPO = Path(__file__).resolve().parents[2]


def sit_exam(path: Path, seed: int) -> None:
    """The child: open (recovering), resume or start, then answer until killed."""
    rng = random.Random(seed)
    store = Store.open(path)
    attempts = store.attempts.list_for_delivery(DELIVERY_ID)
    if not attempts:
        store.packages.save(package_bytes(question_count=len(QUESTIONS)))
        attempts = [store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[0], by="p")]
    attempt = attempts[0]
    if attempt.status is AttemptStatus.CHECKED_IN:
        store.attempts.start(attempt.id, by="p")
    elif attempt.status is AttemptStatus.PAUSED:
        store.attempts.resume(attempt.id, by="p")
    _say("READY")
    for _ in range(100_000):
        roll = rng.random()
        question = rng.choice(QUESTIONS)
        if roll < 0.7:
            answer = tuple(sorted(rng.sample("ABCDE", rng.randint(0, 2))))
            saved = store.answers.save(attempt.id, question_id=question, answer=answer,
                                       flagged=rng.random() < 0.2)  # fmt: skip
            _say(f"SAVED {question} {','.join(saved.answer) or '-'} {saved.seq}")
        elif roll < 0.8:
            store.answers.heartbeat(attempt.id)
        elif roll < 0.9:
            store.answers.enter_question(attempt.id, question_id=question)
        else:
            store.answers.leave_question(attempt.id, question_id=question)


def _say(line: str) -> None:
    """One line to the parent, flushed at once (a single write to the pipe)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass
class KillReport:
    kills: int = 0
    reported_saves: int = 0
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_kills(folder: Path, kills: int, seed: int, max_wait_s: float = 0.4) -> KillReport:
    """Start, kill, reopen and check ``kills`` times; the report says what was lost."""
    rng = random.Random(seed)
    path = folder / "store.sqlite3"
    report = KillReport()
    reported: dict[int, tuple[str, tuple[str, ...]]] = {}  # seq -> what the child saw saved
    started = time.monotonic()
    for round_number in range(kills):
        command = [sys.executable, "-m", "tests.desktop.crash_child", str(path)]
        child = subprocess.Popen(
            [*command, str(seed + round_number)],
            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert child.stdout is not None
        if rng.random() < 0.85:  # mostly mid-exam; sometimes while opening
            child.stdout.readline()
        time.sleep(rng.uniform(0, max_wait_s))
        child.send_signal(signal.SIGKILL)
        killed_at = time.time()
        output, _ = child.communicate()
        report.kills += 1
        for line in output.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[0] == "SAVED":
                answer = () if parts[2] == "-" else tuple(parts[2].split(","))
                reported[int(parts[3])] = (parts[1], answer)
                report.reported_saves += 1
        _check(path, reported, killed_at, report)
    report.seconds = time.monotonic() - started
    return report


def _check(
    path: Path,
    reported: dict[int, tuple[str, tuple[str, ...]]],
    killed_at: float,
    report: KillReport,
) -> None:
    if not path.exists():
        return
    opened_at = time.time()
    store = Store.open(path)  # recovers the attempt the child left active
    try:
        recovered = {a.id: a for a in store.attempts.recover_after_restart()}
        if store.integrity_check() != "ok":
            report.problems.append("integrity_check failed")
        records = store.outbox.records()
        if [r.seq for r in records] != list(range(1, len(records) + 1)):
            report.problems.append("outbox seq has a gap")
        by_seq = {r.seq: r for r in records}
        for seq, (question, answer) in reported.items():
            record = by_seq.get(seq)
            found = None if record is None or record.kind != "answer.saved" else (
                record.data["question_id"], tuple(record.data["answer"]))  # fmt: skip
            if found != (question, answer):
                report.lost += 1
        attempts = store.attempts.list_for_delivery(DELIVERY_ID)
        if not attempts:
            return
        attempt = attempts[0]
        latest: dict[str, tuple[str, ...]] = {}
        for record in records:
            if record.kind == "answer.saved":
                latest[str(record.data["question_id"])] = tuple(record.data["answer"])
        current = store.answers.current(attempt.id)
        for question, answer in latest.items():
            if current.get(question) is None or current[question].answer != answer:
                report.problems.append(f"answer row and outbox disagree on {question}")
        if attempt.status not in (AttemptStatus.PAUSED, AttemptStatus.CHECKED_IN):
            report.problems.append(f"attempt came back {attempt.status}")
        if attempt.id in recovered:
            # The child died after its last checkpoint, before this open: all of that is
            # downtime, credited (not counted as used) and noted for the proctor.
            if records[-1].kind != "attempt.paused":
                report.problems.append("no attempt.paused record after the restart")
            if recovered[attempt.id].last_downtime_ms < (opened_at - killed_at) * 1000 - 2:
                report.problems.append("downtime not credited")
    finally:
        store.close()


if __name__ == "__main__":
    sit_exam(Path(sys.argv[1]), int(sys.argv[2]))
