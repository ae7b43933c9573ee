"""The admin console's parts that need no server: parsing (exact points), the on-disk
results cache, the server state in the status bar, and a start-up that stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytestqt.qtbot import QtBot

from medxam_desktop.domain.results import (
    AttemptRow,
    DeliveryResults,
    ResultsFormatError,
    ScoreSummary,
    points,
)
from medxam_desktop.domain.results_text import format_points, format_stat
from medxam_desktop.errors import OfflineError
from medxam_desktop.sync.results_api import decode
from medxam_desktop.sync.results_cache import ResultsCache
from medxam_desktop.ui.admin.connection import ServerCalls, ServerState
from medxam_desktop.ui.tasks import wait_for_all

ROOT = Path(__file__).resolve().parents[2]
DELIVERY = "0b7a9c54-5f3e-4bb1-8a41-d6f0b8b3d0a1"


def results_body(total: str = "6.833333") -> bytes:
    summary = {
        "n": 1,
        "in_progress": 0,
        "terminated": 0,
        "total_attempts": 1,
        "item_count": 2,
        "max_score": 12.333333,
        "mean": 6.833333,
        "median": 6.833333,
        "min": 6.833333,
        "max": 6.833333,
        "sd": None,
        "pass_score": 6.0,
        "pass_count": 1,
        "pass_rate": 1.0,
        "kr20": None,
        "kr20_ci95": None,
        "kr21": None,
        "sem": None,
        "histogram": [{"from": 0.0, "to": 12.333333, "count": 1}],
    }
    attempt = {
        "attempt_id": "a1",
        "taker_id": "t1",
        "candidate_number": "K1",
        "full_name": "Ada",
        "status": "finished",
        "score": 7.333333,
        "penalty": 0.5,
        "total": float(total),
        "percent": 55.4054,
        "passed": True,
        "finished_at": "2026-11-24T10:00:00Z",
        "integrity": "complete",
    }
    body = {
        "delivery_id": DELIVERY,
        "exam_id": "e",
        "title": "T",
        "summary": summary,
        "items": [],
        "attempts": [attempt],
    }
    return json.dumps(body).encode()


def test_points_keep_the_servers_digits() -> None:
    results = DeliveryResults.from_json(decode(results_body()))
    row = results.attempts[0]
    assert row.total == Decimal("6.833333") and row.percent == Decimal("55.4054")
    assert results.summary.max_score == Decimal("12.333333")
    assert results.summary.sd is None and results.summary.kr20_ci95 is None
    assert row.finished_at == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert row.receipt_code is None  # a row without the field (an older server) has none
    assert results.summary.pass_bin() == 0


@given(st.decimals(min_value=-1000, max_value=1000, places=6, allow_nan=False))
def test_a_float_the_server_wrote_comes_back_as_the_same_decimal(value: Decimal) -> None:
    as_json = json.dumps(float(value))
    assert points(json.loads(as_json)) == points(decode(as_json.encode())) == Decimal(as_json)
    assert Decimal(format_points(points(json.loads(as_json)))) == Decimal(as_json)


def test_statistics_are_shown_rounded_half_up() -> None:
    assert format_stat(Decimal("11.333333333333334")) == "11.33"
    assert format_stat(Decimal("0.125")) == "0.13"
    assert format_stat(Decimal("12.0")) == "12"
    assert format_stat(None) == "—"


def test_a_wrong_shape_is_a_results_format_error() -> None:
    with pytest.raises(ResultsFormatError):
        ScoreSummary.from_json({"n": 1})
    with pytest.raises(ResultsFormatError):
        AttemptRow.from_json({"attempt_id": "a"})
    with pytest.raises(ResultsFormatError):
        DeliveryResults.from_json([])


def test_the_cache_keeps_the_exact_bytes_and_survives_damage(tmp_path: Path) -> None:
    cache = ResultsCache.in_data_dir(tmp_path)
    assert cache.load_results(DELIVERY) is None
    when = datetime(2026, 11, 24, 14, 2, tzinfo=UTC)
    cache.save_results(DELIVERY, results_body(), when)
    kept = cache.load_results(DELIVERY)
    assert kept is not None and kept.body == results_body() and kept.fetched_at == when
    assert not list(cache.directory.glob(".*.part"))
    cache.save_results(DELIVERY, results_body("7.0"), when)  # replaced whole
    again = cache.load_results(DELIVERY)
    assert again is not None and again.body == results_body("7.0")
    path = next(cache.directory.glob("results-*.json"))
    path.write_bytes(path.read_bytes()[:40])  # a torn file: ignored, not an error
    assert cache.load_results(DELIVERY) is None
    with pytest.raises(ValueError):
        cache.load_results("../../etc/passwd")  # only a UUID names a file


def test_the_state_follows_what_the_calls_met(qtbot: QtBot) -> None:
    calls = ServerCalls(slow_after_s=0.0)  # every answer counts as slow
    seen: list[ServerState] = []
    calls.state_changed.connect(lambda state, _words: seen.append(state))
    calls.call(lambda: 1)
    qtbot.waitUntil(lambda: calls.state is ServerState.SLOW)
    calls.slow_after_s = 60.0
    calls.call(lambda: 1)
    qtbot.waitUntil(lambda: calls.state is ServerState.ONLINE)
    assert calls.last_answer_at is not None

    def offline() -> None:
        raise OfflineError("http://127.0.0.1:9: ConnectError")

    errors: list[Exception] = []
    for _ in range(5):
        calls.call(offline, on_error=errors.append)
    qtbot.waitUntil(lambda: len(errors) == 5)
    wait_for_all()
    assert calls.state is ServerState.OFFLINE
    assert seen == [ServerState.SLOW, ServerState.ONLINE, ServerState.OFFLINE]  # once each
    assert calls.problem == "The server could not be reached. Work continues offline."


def test_start_up_imports_neither_the_console_nor_qtcharts() -> None:
    code = (
        "import sys\n"
        "import medxam_desktop.app\n"
        "print(*sorted(m for m in sys.modules if m.startswith('medxam_desktop.ui.admin')"
        " or m == 'PySide6.QtCharts'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert result.stdout.split() == []
