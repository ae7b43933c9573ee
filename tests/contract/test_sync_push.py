"""The real pusher against the real server, through a fault-injecting proxy (F2, F3, F7).

After every fault the server holds exactly the records the workstation made, once, the
answers are equal record for record, and every finished attempt is ``complete``.
"""

from __future__ import annotations

import pytest

from medxam_desktop.errors import AuthError, OfflineError, ServerBusyError
from tests.contract.fault_proxy import Fault
from tests.contract.sync_support import (
    SyncEnv,
    database_refusing,
    drain,
    server_batches,
)


def test_push_drains_the_queue_and_the_server_holds_it_all(env: SyncEnv) -> None:
    ws = env.workstation()
    finished = ws.sit(0, changes=2)
    unfinished = ws.sit(1, finish=False)
    report = ws.pusher.sync()
    assert report.batches == 1 and finished in report.completed
    env.holds(ws)
    status = ws.pusher.status()
    assert status.queued == 0 and status.last_contact is not None
    assert status.clock_offset_ms is not None and abs(status.clock_offset_ms) < 5000
    receipts = {a.attempt_id: a.receipt_code for a in status.attempts}
    assert receipts == {finished: ws.store.attempts.get(finished).receipt_code}
    # The unfinished attempt is sent but not confirmed; finishing it later completes it.
    assert status.sent > 0 and status.confirmed > 0
    ws.store.attempts.finish(unfinished, by=ws.user_id)
    assert unfinished in ws.pusher.sync().completed
    env.holds(ws)
    assert ws.pusher.status().sent == 0


def test_f2_answer_dropped_after_commit_is_resent_with_the_same_key(env: SyncEnv) -> None:
    ws = env.workstation()
    ws.sit(0)
    env.proxy.add(Fault.DROP_RESPONSE)
    with pytest.raises(OfflineError):
        ws.pusher.sync()
    assert ws.store.outbox.counts().acknowledged == 0  # nothing marked without a receipt
    ws.pusher.sync()
    env.holds(ws)
    # One batch on the server: the retry carried the same Idempotency-Key.
    assert len(server_batches(env.database_url, ws.store.workstation_id)) == 1


@pytest.mark.postgres
def test_f2_connection_cut_mid_body_then_mid_answer(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    ws.sit(0)
    pg_env.proxy.add(Fault.CUT_REQUEST)
    pg_env.proxy.add(Fault.CUT_RESPONSE)
    with pytest.raises(OfflineError):
        ws.pusher.sync()
    assert server_batches(pg_env.database_url, ws.store.workstation_id) == []
    with pytest.raises(OfflineError):
        ws.pusher.sync()
    ws.sit(1)  # new work meanwhile: the lost batch still goes first, unchanged
    assert drain(ws.pusher) == 1
    pg_env.holds(ws)
    assert len(server_batches(pg_env.database_url, ws.store.workstation_id)) == 2


@pytest.mark.postgres
def test_f7_unavailable_with_retry_after_backs_off_and_loses_nothing(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    ws.sit(0)
    pg_env.proxy.retry_after = 2
    pg_env.proxy.add(Fault.UNAVAILABLE, times=2)
    for _ in range(2):
        with pytest.raises(ServerBusyError) as caught:
            ws.pusher.sync()
        assert caught.value.retry_after == 2
        assert ws.pusher.backoff.next_delay(caught.value.retry_after) >= 2
    assert ws.store.outbox.counts().pending > 0
    ws.pusher.sync()
    pg_env.holds(ws)


@pytest.mark.postgres
def test_f7_database_down_answers_503_and_the_queue_waits(pg_env: SyncEnv) -> None:
    ws = pg_env.workstation()
    ws.sit(0)
    database = pg_env.database_url.rsplit("/", 1)[1]
    with database_refusing(pg_env.database_url, database):
        with pytest.raises(ServerBusyError) as caught:
            ws.pusher.sync()
        assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert ws.store.outbox.counts().acknowledged == 0
    drain(ws.pusher)
    pg_env.holds(ws)


def test_401_keeps_the_queue_until_the_proctor_signs_in_again(env: SyncEnv) -> None:
    ws = env.workstation()
    ws.sit(0)
    ws.client.logout()
    with pytest.raises(AuthError):
        ws.pusher.sync()
    assert ws.store.outbox.counts().pending == len(ws.store.outbox.records())
    ws.client.login("pat", "correct horse battery staple")
    ws.pusher.sync()
    env.holds(ws)
