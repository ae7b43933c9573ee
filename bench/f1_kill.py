"""F1 (long): SIGKILL a scripted exam at random points 200 times (tests/desktop/crash_child)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tests.desktop.crash_child import run_kills

KILLS = 200


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        report = run_kills(Path(folder), kills=KILLS, seed=1)
    passed = report.kills >= KILLS and report.lost == 0 and not report.problems
    problems = "none" if not report.problems else report.problems[0].replace(" ", "_")
    print(
        f"F1 kills={report.kills} saves_reported={report.reported_saves} lost={report.lost} "
        f"problems={len(report.problems)} first_problem={problems} seconds={report.seconds:.0f} "
        f'target="kills>={KILLS} lost=0" {"PASS" if passed else "FAIL"}'
    )


if __name__ == "__main__":
    main()
