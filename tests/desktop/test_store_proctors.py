"""Proctor PINs in the store: Argon2 hashes, offline checks, the throttle across restarts,
and a store made at the released schema 0001 (with an attempt and answers) upgrading."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from medxam_desktop.domain.proctor import ANY_PROCTOR, ProctorView, delay_after
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.errors import PinError, PinRuleError, PinThrottledError
from medxam_desktop.store import Store
from medxam_desktop.store.core import StoreCore
from medxam_desktop.store.engine import make_engine, prepare_file
from medxam_desktop.store.migrate import HEAD, upgrade
from tests.desktop.sample_exam import question_ids, started_attempt

PIN = "73915824"  # eight digits: no uuid, time or number in the store contains it by chance
PAT = {"user_id": "u-pat", "username": "pat", "full_name": "Pat Proctor"}


def _wrong_pins(store: Store, count: int) -> None:
    for _ in range(count):
        assert store.proctors.verify("pat", "0000") is None


def test_pin_kept_as_an_argon2_hash_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=FakeClock())
    assert store.proctors.known() == [] and not store.proctors.has_pin("u-pat")
    store.proctors.set_pin(**PAT, pin=PIN)
    pat = ProctorView("u-pat", "pat", "Pat Proctor")
    assert store.proctors.known() == [pat] and store.proctors.has_pin("u-pat")
    assert store.proctors.verify("pat", PIN) == pat
    assert store.proctors.verify("pat", "1234") is None
    assert store.proctors.verify("nobody", PIN) is None
    assert store.proctors.verify_any(PIN) == pat
    with store.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT pin_hash FROM proctor_pins").scalar_one()
    assert stored.startswith("$argon2id$") and PasswordHasher().verify(stored, PIN)
    store.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert PIN.encode() not in on_disk and PIN.encode("utf-16-le") not in on_disk


def test_new_pin_rules_and_change(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store.sqlite3", clock=FakeClock())
    for bad in ("", "123", "123456789", "12a4", "١٢٣٤"):
        with pytest.raises(PinRuleError):
            store.proctors.set_pin(**PAT, pin=bad)
    assert store.proctors.known() == []
    store.proctors.set_pin(**PAT, pin="2468")
    with pytest.raises(PinError):
        store.proctors.change_pin(username="pat", current="1357", new="97531")
    store.proctors.change_pin(username="pat", current="2468", new="97531")
    assert store.proctors.verify("pat", "2468") is None
    assert store.proctors.verify("pat", "97531") is not None
    # The same name made again on the server (a new id) replaces the old entry.
    store.proctors.set_pin(user_id="u-pat-2", username="pat", full_name="Pat P.", pin="1111")
    assert [p.user_id for p in store.proctors.known()] == ["u-pat-2"]
    store.close()


def test_throttle_grows_and_survives_a_restart(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=clock)
    store.proctors.set_pin(**PAT, pin=PIN)
    _wrong_pins(store, 4)
    with pytest.raises(PinThrottledError) as fifth:
        store.proctors.verify("pat", "0000")
    assert fifth.value.retry_after_s == delay_after(5) == 30
    assert "Wait 30 seconds" in fifth.value.user_text
    with pytest.raises(PinThrottledError):  # even the right PIN waits: it is not looked at
        store.proctors.verify("pat", PIN)
    assert store.proctors.verify_any(PIN) is not None  # the exam window counts on its own
    store.close()

    clock.advance(10_000)
    store = Store.open(path, clock=clock)  # a restart does not reset the count
    assert store.proctors.wait_s("pat") == 20
    clock.advance(20_000)
    with pytest.raises(PinThrottledError) as sixth:
        store.proctors.verify("pat", "0000")
    assert sixth.value.retry_after_s == 60  # growing
    clock.advance(60_000)
    assert store.proctors.verify("pat", PIN) is not None  # the right PIN clears the count
    assert store.proctors.wait_s("pat") == 0
    _wrong_pins(store, 4)
    store.close()


def test_throttle_after_a_reboot_counts_on_the_wall_clock(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    store = Store.open(path, clock=FakeClock(monotonic_ms=50_000_000))
    for _ in range(4):
        assert store.proctors.verify_any("0000") is None
    with pytest.raises(PinThrottledError):
        store.proctors.verify_any("0000")
    store.close()
    rebooted = FakeClock(monotonic_ms=5_000)  # uptime starts again, far below the failure
    rebooted.jump_wall(12)
    store = Store.open(path, clock=rebooted)
    assert store.proctors.wait_s(ANY_PROCTOR) == 18
    rebooted.advance(18_000)
    assert store.proctors.wait_s(ANY_PROCTOR) == 0
    store.close()


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                " AND name != 'alembic_version' ORDER BY name"
            )
        ]
        return {
            t: connection.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables
        }


def test_a_store_made_at_0001_with_an_attempt_upgrades_and_keeps_everything(
    tmp_path: Path,
) -> None:
    """DESIGN.md: every released schema upgrades in a test. 0001 is the released schema."""
    clock = FakeClock()
    path = tmp_path / "store.sqlite3"
    prepare_file(path)
    engine = make_engine(path)
    upgrade(engine, "0001")
    old = Store(path, StoreCore(engine, clock))  # the store's own code, on the 0001 file
    old._initialise()
    attempt_id = started_attempt(old, question_count=5)
    first, second = question_ids(5)[:2]
    old.answers.enter_question(attempt_id, question_id=first)
    clock.advance(7_000)
    old.answers.save(attempt_id, question_id=first, answer=("B",), flagged=True)
    old.answers.leave_question(attempt_id, question_id=first)
    old.answers.enter_question(attempt_id, question_id=second)
    clock.advance(3_000)
    old.answers.save(attempt_id, question_id=second, answer=("A", "C"), flagged=False)
    old.attempts.pause(attempt_id, by="p-1", reason="fire alarm")
    workstation = old.workstation_id
    old.close()
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0001",)
        ]
    before = _rows(path)
    assert len(before["answers"]) == 2 and len(before["outbox"]) >= 4

    store = Store.open(path, clock=clock)  # migrates to HEAD on open
    after = _rows(path)
    assert {t: after[t] for t in before} == before
    assert after["proctor_pins"] == [] and after["pin_failures"] == []
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    assert store.workstation_id == workstation
    current = store.answers.current(attempt_id)
    assert current[first].answer == ("B",) and current[first].flagged
    assert current[first].time_spent_ms == 7_000 and current[second].answer == ("A", "C")
    assert [t.reason for t in store.attempts.transitions(attempt_id)][-1] == "fire alarm"
    store.attempts.resume(attempt_id, by="p-1")  # the attempt carries on after the upgrade
    store.answers.save(attempt_id, question_id=second, answer=("D",), flagged=False)
    store.proctors.set_pin(**PAT, pin=PIN)
    assert store.integrity_check() == "ok"
    store.close()
