"""F3, F4, F5, F9, F10 and a server killed mid-batch: the real pusher, the real server.

After each, the server holds exactly the records the workstation made, once, and every
finished attempt ends ``complete``.
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from pathlib import Path

import httpx
import pytest

from medxam_desktop.errors import OfflineError, ProtocolRefusedError, user_message
from medxam_desktop.sync.batches import build_batch
from medxam_server.config import Settings
from tests.contract.sync_support import (
    SyncEnv,
    drain,
    restore_database,
    server_process,
    snapshot_database,
    sync_env,
)


def _post(url: str, token: str, key: str, body: bytes) -> int:
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    headers["Content-Type"] = "application/json"
    return httpx.post(f"{url}/api/sync/push", content=body, headers=headers, timeout=30).status_code


@pytest.mark.postgres
def test_f3_the_same_batch_many_times_some_at_once(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    ws.sit(0)
    ws.sit(1)
    pending = ws.store.outbox.pending(1000, 1 << 20)
    same = build_batch(pending, workstation_id=ws.store.workstation_id)
    token = ws.client.token
    assert token
    statuses: list[int] = []

    def send(key: str) -> None:
        statuses.append(_post(pg_env.direct_url, token, key, same.body))

    others = [build_batch(pending, workstation_id=ws.store.workstation_id).key for _ in range(3)]
    threads = [threading.Thread(target=send, args=(same.key,)) for _ in range(8)]
    threads += [threading.Thread(target=send, args=(key,)) for key in others]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert set(statuses) <= {200, 409} and 200 in statuses, Counter(statuses)
    ws.pusher.sync()  # whatever the workstation missed: duplicates, one copy
    pg_env.holds(ws)


@pytest.mark.postgres
def test_f4_batches_out_of_order_end_with_the_highest_seq(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    ws.sit(0, changes=3)
    ws.sit(1, changes=2)
    records = ws.store.outbox.pending(1000, 1 << 20)
    token = ws.client.token
    assert token
    chunks = [records[i : i + 5] for i in range(0, len(records), 5)]
    for chunk in reversed(chunks):  # the last records first, the start last
        batch = build_batch(chunk, workstation_id=ws.store.workstation_id)
        assert _post(pg_env.direct_url, token, batch.key, batch.body) == 200
    report = ws.pusher.sync()
    assert report.acknowledged == len(records)
    pg_env.holds(ws)


@pytest.mark.postgres
def test_f5_an_invalid_record_is_quarantined_and_the_rest_flows(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    attempt = ws.store.attempts.check_in(
        delivery_id=ws.delivery_id, taker_id=ws.taker_ids[0], by=ws.user_id
    )
    ws.store.attempts.start(attempt.id, by=ws.user_id)
    question = ws.content.questions[0].id
    bad = ws.store.answers.save(attempt.id, question_id=question, answer=("Z",), flagged=False)
    ws.store.answers.save(attempt.id, question_id=question, answer=("A",), flagged=False)
    ws.store.attempts.finish(attempt.id, by=ws.user_id)
    report = ws.pusher.sync()
    assert report.quarantined == 1
    [kept] = ws.store.outbox.quarantined()
    assert kept.record.seq == bad.seq and kept.reason
    status = ws.pusher.status()
    assert [q.record.id for q in status.quarantined] == [kept.record.id]
    ws.sit(1)  # later records still flow
    ws.pusher.sync()
    pg_env.holds(ws, quarantined=1)


@pytest.mark.postgres
def test_f9_server_restored_from_an_older_backup_gets_everything_again(
    pg_env: SyncEnv,
) -> None:
    ws = pg_env.workstation()
    first = ws.sit(0)
    ws.pusher.sync()
    backup = snapshot_database(pg_env.database_url)
    second = ws.sit(1)
    ws.pusher.sync()
    restore_database(pg_env.database_url, backup)  # the server forgets ``second``
    assert pg_env.admin.get(f"/attempts/{second}").status_code == 404
    ws.pusher.request_state_check()  # as on a reconnect
    report = ws.pusher.sync()
    assert report.resent > 0 and second in report.completed
    pg_env.holds(ws)
    # Restored again, and no reconnect: the next receipt's high-water mark tells.
    backup = snapshot_database(pg_env.database_url)
    ws.sit(2)
    ws.pusher.sync()
    restore_database(pg_env.database_url, backup)
    ws.sit(3)
    drain(ws.pusher)
    pg_env.holds(ws)
    assert ws.store.attempts.get(first).integrity == "complete"


def test_f10_protocol_refused_keeps_the_queue_with_a_clear_message(
    server_settings: Settings, tmp_path: Path
) -> None:
    with sync_env(server_settings, tmp_path) as env:
        ws = env.workstation()
        ws.sit(0)
        before = ws.store.outbox.counts()
        ws.pusher.protocol = 2  # a client the server no longer (or not yet) accepts
        with pytest.raises(ProtocolRefusedError) as caught:
            ws.pusher.sync()
        words = user_message(caught.value)
        assert "no longer accepts this version" in words and "version(s) 1" in words
        assert ws.store.outbox.counts() == before
        assert "no longer accepts" in (ws.pusher.status().last_error or "")
        ws.pusher.protocol = 1  # the upgraded client
        ws.pusher.sync()
        env.holds(ws)


@pytest.mark.postgres
def test_f2_server_killed_mid_batch_and_restarted(pg_env: SyncEnv, tmp_path: Path) -> None:
    """SIGKILL as soon as a whole batch reached the server: mostly before it commits,
    sometimes after (its answer may still be in the socket). Either way: one copy."""
    ws = pg_env.workstation()
    ws.sit(0, changes=40)  # one batch of several hundred records: the server is busy a while
    ws.sit(1, changes=3)
    data_dir = tmp_path / "child-server"
    killed = threading.Event()
    with server_process(pg_env.database_url, data_dir) as (port, kill):

        def kill_on_push(path: str) -> None:
            if path.startswith("/api/sync/push") and not killed.is_set():
                killed.set()
                kill()

        pg_env.proxy.upstream_port = port
        pg_env.proxy.on_forwarded = kill_on_push
        with contextlib.suppress(OfflineError):  # no answer: the usual case
            ws.pusher.sync()
    assert killed.is_set()
    pg_env.proxy.on_forwarded = None
    with server_process(pg_env.database_url, data_dir) as (port, _):
        pg_env.proxy.upstream_port = port
        drain(ws.pusher)
    pg_env.holds(ws)
