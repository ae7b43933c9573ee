"""The pusher's own rules, without the real server where it cannot misbehave on purpose:
backoff with full jitter, batch limits, a head that does not move, one pusher at a time,
and the store bookkeeping (high-water mark, resend, quarantine)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from medxam_desktop.errors import StuckQueueError
from medxam_desktop.store import Store
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.backoff import Backoff
from medxam_desktop.sync.batches import MAX_RECORDS, build_batch
from medxam_desktop.sync.pusher import Pusher
from tests.desktop.sample_exam import question_ids, started_attempt


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "ws.sqlite3")
    yield opened
    opened.close()


def _answers(store: Store, attempt: str, count: int) -> None:
    questions = question_ids(5)
    for i in range(count):
        store.answers.save(
            attempt, question_id=questions[i % 5], answer=("ABCDE"[i % 5],), flagged=False
        )


def test_backoff_is_capped_full_jitter_and_honours_retry_after() -> None:
    backoff = Backoff(base_s=1, cap_s=60, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(12)]
    assert all(0 <= d <= 60 for d in delays)
    assert max(delays[:3]) <= 4  # 1, 2, 4 s ceilings at first
    assert len({round(d, 3) for d in delays}) == len(delays)  # jittered, not lock-step
    assert all(30 <= backoff.next_delay(retry_after=30) <= 60 for _ in range(50))
    assert backoff.backing_off
    backoff.reset()
    assert not backoff.backing_off and backoff.next_delay() <= 1


def test_batches_hold_at_most_1000_records_and_1_mib(store: Store) -> None:
    attempt = started_attempt(store)
    _answers(store, attempt, 1200)
    records = store.outbox.pending(5000, 1 << 30)
    batch = build_batch(records, workstation_id=store.workstation_id)
    assert len(batch.records) == MAX_RECORDS
    body = json.loads(batch.body)
    assert body["protocol"] == 1 and [r["seq"] for r in body["records"]] == list(range(1, 1001))
    assert body["records"][5] == records[5].wire()
    small = build_batch(records, workstation_id=store.workstation_id, max_bytes=20_000)
    assert len(small.body) <= 20_000 < len(small.body) + len(json.dumps(records[0].wire())) * 2
    assert small.key != batch.key  # a fresh key for every batch


class _StubServer(BaseHTTPRequestHandler):
    """A server that answers 200 but confirms nothing (a broken server)."""

    gate: ClassVar[threading.Event] = threading.Event()
    pushes: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _json(self, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self._json({"high_water_mark": 0, "server_time": datetime.now(UTC).isoformat()})

    def do_PUT(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self._json({"workstation_id": "x", "public_key": "k", "registered_at": "x"})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.pushes.append(body)
        self.gate.wait(10)
        now = datetime.now(UTC).isoformat()
        self._json({"batch_id": "b", "server_time": now, "high_water_mark": 0, "results": []})


@contextmanager
def stub_server() -> Iterator[str]:
    _StubServer.pushes.clear()
    _StubServer.gate.set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        _StubServer.gate.set()
        server.shutdown()
        server.server_close()


def test_a_head_that_does_not_move_stops_the_pass_and_keeps_the_queue(store: Store) -> None:
    attempt = started_attempt(store)
    _answers(store, attempt, 3)
    queued = store.outbox.counts().pending
    with stub_server() as url:
        pusher = Pusher(store, ApiClient(url))
        with pytest.raises(StuckQueueError):
            pusher.sync()
        assert len(_StubServer.pushes) == 1  # no tight loop against a broken server
    assert store.outbox.counts().pending == queued
    assert "did not confirm" in (pusher.status().last_error or "")


def test_one_pusher_at_a_time(store: Store) -> None:
    attempt = started_attempt(store)
    _answers(store, attempt, 2)
    with stub_server() as url:
        pusher = Pusher(store, ApiClient(url))
        _StubServer.gate.clear()
        errors: list[Exception] = []

        def first() -> None:
            try:
                pusher.sync()
            except Exception as exc:
                errors.append(exc)

        thread = threading.Thread(target=first)
        thread.start()
        while not _StubServer.pushes:
            threading.Event().wait(0.01)
        assert pusher.sync().skipped  # the second caller does not push alongside
        _StubServer.gate.set()
        thread.join(10)
    assert len(errors) == 1 and isinstance(errors[0], StuckQueueError)


def test_outbox_high_water_mark_and_resend(store: Store) -> None:
    attempt = started_attempt(store)
    _answers(store, attempt, 5)
    records = store.outbox.pending(100, 1 << 20)
    results = [{"id": r.id, "status": "accepted"} for r in records[:4]]
    results[2] = {"id": records[2].id, "status": "rejected", "reason": "unknown_option"}
    store.outbox.acknowledge(results, batch_id="b1")
    assert store.outbox.held_high_water() == 4
    assert [q.reason for q in store.outbox.quarantined()] == ["unknown_option"]
    assert store.outbox.resend_seqs([2, 99]) == 1
    assert store.outbox.held_high_water() == 1
    store.outbox.acknowledge([{"id": records[1].id, "status": "duplicate"}], batch_id="b2")
    assert store.outbox.resend_above(1) == 3  # acknowledged and quarantined above the mark
    assert store.outbox.counts().pending == len(records) - 1
    assert store.outbox.quarantined() == []
