"""Run the benchmarks, each in its own process, and report PASS/FAIL lines.

A benchmark is a module ``bench/b<N>_<name>.py`` with a ``main()`` that prints one line
per figure in QUALITY.md's format. This runner exits non-zero if any line says FAIL or
a benchmark crashes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).parent


def discover() -> list[tuple[str, str]]:
    """(id, module) pairs such as ("B4", "bench.b4_ingest") or ("F1", "bench.f1_kill")."""
    found = []
    paths = [*BENCH_DIR.glob("b[0-9]*_*.py"), *BENCH_DIR.glob("f[0-9]*_*.py")]
    paths += BENCH_DIR.glob("s[0-9]*_*.py")
    for path in sorted(paths):
        bench_id = path.stem.split("_", 1)[0].upper()
        found.append((bench_id, f"bench.{path.stem}"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--only", help="run only this id, e.g. B4 or F1")
    args = parser.parse_args()
    chosen = [(i, m) for i, m in discover() if not args.only or i == args.only.upper()]
    if not chosen:
        print(f"no benchmark matches {args.only!r}", file=sys.stderr)
        return 2
    failed = False
    for bench_id, module in chosen:
        result = subprocess.run(
            [sys.executable, "-m", module], capture_output=True, text=True, check=False
        )
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        for line in lines:
            print(line, flush=True)
        if result.returncode != 0:
            reason = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"{bench_id} FAIL crashed: {reason}", flush=True)
            failed = True
        elif any(line.rstrip().endswith("FAIL") for line in lines) or not lines:
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
