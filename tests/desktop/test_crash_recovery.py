"""F1 (short): SIGKILL a scripted exam at random points 20 times; nothing reported saved
is lost, nothing is half-written, and the attempt comes back paused with the downtime
credited. The long run (200 kills) is bench/f1_kill.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.store import Store
from tests.desktop.crash_child import run_kills
from tests.desktop.sample_exam import DELIVERY_ID

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def test_f1_killing_the_exam_loses_nothing(tmp_path: Path) -> None:
    report = run_kills(tmp_path, kills=20, seed=20261124, max_wait_s=0.2)
    assert report.kills == 20
    assert report.reported_saves > 0, "the child never saved anything before being killed"
    assert report.problems == []
    assert report.lost == 0
    store = Store.open(tmp_path / "store.sqlite3")
    [attempt] = store.attempts.list_for_delivery(DELIVERY_ID)
    assert attempt.status is AttemptStatus.PAUSED
    assert attempt.credited_downtime_ms > 0
    assert attempt.used_ms < report.seconds * 1000  # downtime was never counted as used
    store.close()
