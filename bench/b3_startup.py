"""B3: ``medxam-desktop`` from process start to the first window shown, against
``python -c "import PySide6.QtWidgets"``, both measured here (median of several runs).

The app quits right after its first window is shown under
``MEDXAM_EXIT_AFTER_FIRST_WINDOW=1``, writing a marker to stderr
(``medxam_desktop.ui.widgets.first_window``). If ``app.py`` does not install that hook
itself, the same entry point (``medxam_desktop.__main__.main``) is started with the hook
installed on a ``QApplication`` made first, which ``run()`` then reuses.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import line
from medxam_desktop.ui.widgets.first_window import EXIT_ENV, FIRST_WINDOW_MARKER

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
TARGET_S = 1.5
TIMEOUT_S = 60

_WITH_HOOK = (
    "import sys\n"
    "from PySide6.QtWidgets import QApplication\n"
    "from medxam_desktop.ui.widgets.first_window import watch_first_window\n"
    "watch_first_window(QApplication(sys.argv))\n"
    "from medxam_desktop.__main__ import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def _app_installs_hook() -> bool:
    return "watch_first_window" in (ROOT / "medxam_desktop" / "app.py").read_text("utf-8")


def _desktop_command(data_dir: Path) -> list[str]:
    args = ["--server-url", "http://127.0.0.1:9", "--data-dir", str(data_dir)]
    script = Path(sys.executable).with_name("medxam-desktop")
    if _app_installs_hook() and script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", _WITH_HOOK, *args]


def _time_to_marker(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True
    )
    assert process.stderr is not None
    try:
        for text in process.stderr:
            if text.strip() == FIRST_WINDOW_MARKER:
                return time.perf_counter() - started
        raise RuntimeError("the app exited without showing a window")
    finally:
        try:
            process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _baseline(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], env=env, check=True)
    return time.perf_counter() - started


def main() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", EXIT_ENV: "1"}
    startups, baselines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        command = _desktop_command(Path(tmp) / "desktop")
        _time_to_marker(command, env)  # warm the file cache; the store is made once here
        for _ in range(RUNS):  # interleaved, so both see the same machine load
            baselines.append(_baseline(env))
            startups.append(_time_to_marker(command, env))
    startup, baseline = statistics.median(startups), statistics.median(baselines)
    figures = {"startup_s": startup, "baseline_s": baseline, "ratio": startup / baseline}
    print(line("B3", figures, f"<={TARGET_S:g} s", startup <= TARGET_S))


if __name__ == "__main__":
    main()
