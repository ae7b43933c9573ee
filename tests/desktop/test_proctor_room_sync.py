"""What the room view records reaches the real server: an extension, incidents, a pause
and a resume, each with the proctor as ``by``, accepted and the attempt complete."""

from __future__ import annotations

import pytest

from tests.contract.sync_support import SyncEnv, drain


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_proctor_records_are_accepted_by_the_server(env: SyncEnv) -> None:
    ws = env.workstation()
    attempt = ws.sit(0, finish=False)
    by = ws.user_id
    ws.store.attempts.extend(attempt, minutes=10, reason="fire alarm", by=by)
    ws.store.attempts.incident(attempt, category="environment", note="fire alarm", by=by)
    ws.store.attempts.pause(attempt, by=by, reason="toilet break")
    ws.store.attempts.incident(attempt, category="other", note="asked for water", by=by)
    ws.store.attempts.resume(attempt, by=by)
    ws.store.attempts.finish(attempt, by=by)
    drain(ws.pusher)
    env.holds(ws)  # every record kept, none quarantined
    kinds = [r.kind for r in ws.store.outbox.records()]
    for kind in ("attempt.time_extended", "attempt.incident", "attempt.paused"):
        assert kind in kinds
    view = ws.store.attempts.get(attempt)
    assert view.integrity == "complete" and view.receipt_code
