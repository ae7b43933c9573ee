"""The outbox: API.md's record format, gapless seq, the finish digest, receipts (with
a property test over random exams)."""

from __future__ import annotations

import itertools
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medxam_desktop.domain.attempt import RECORD_KINDS, records_digest
from medxam_desktop.domain.room import MAX_EXTENSION_MINUTES
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.errors import LifecycleError
from medxam_desktop.store import Store
from tests.desktop.sample_exam import question_ids, started_attempt

QUESTIONS = question_ids(4)
WIRE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
DATA_KEYS = {
    "attempt.started": {"delivery_id", "taker_id"},
    "answer.saved": {"question_id", "answer", "time_spent_ms", "flagged"},
    "question.timed": {"question_id", "time_spent_ms"},
    "attempt.paused": set(),
    "attempt.resumed": set(),
    "attempt.time_extended": {"minutes", "reason"},
    "attempt.incident": {"category", "note"},
    "attempt.terminated": {"reason"},
    "attempt.finished": {"record_count", "digest"},
}
OPTIONAL_KEYS = {"reason"}  # by and the on-screen question_id travel at the top level


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty store file: copies open without running Alembic again."""
    path = tmp_path_factory.mktemp("template") / "store.sqlite3"
    Store.open(path).close()
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "store.sqlite3", clock=FakeClock())
    yield opened
    opened.close()


def check_outbox(store: Store) -> None:
    """Every invariant the server relies on, over everything in the store."""
    records = store.outbox.records()
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert len({r.id for r in records}) == len(records)
    for record in records:
        wire = record.wire()
        base = {"id", "seq", "attempt_id", "kind", "at", "data"}
        assert base <= set(wire) <= base | {"by", "question_id"}
        assert record.kind in RECORD_KINDS and WIRE_TIME.match(wire["at"])
        assert str(uuid.UUID(wire["id"])) == wire["id"]
        required = DATA_KEYS[record.kind]
        assert required <= set(wire["data"]) <= required | OPTIONAL_KEYS
        if record.kind == "attempt.finished":
            before = [r.id for r in records if r.attempt_id == record.attempt_id
                      and r.seq < record.seq]  # fmt: skip
            assert wire["data"]["record_count"] == len(before)
            assert wire["data"]["digest"] == records_digest(before)


def test_finish_digest_follows_rule_6_across_interleaved_attempts(store: Store) -> None:
    first = started_attempt(store, taker=0)
    from tests.desktop.sample_exam import DELIVERY_ID, TAKER_IDS

    second = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[1], by=None).id
    store.attempts.start(second, by=None)
    for index, question in enumerate(QUESTIONS):
        store.answers.save(first, question_id=question, answer=("A",), flagged=index == 1)
        store.answers.save(second, question_id=question, answer=("B",), flagged=False)
    done = store.attempts.finish(first)
    own = [r for r in store.outbox.records() if r.attempt_id == first][:-1]
    assert done.record_count == len(own) == 2 + len(QUESTIONS)  # + question.timed
    assert done.digest == records_digest(r.id for r in own)
    with pytest.raises(LifecycleError):
        store.attempts.finish(first)
    store.attempts.finish(second)
    check_outbox(store)


def test_pending_acknowledge_quarantine_and_resend(store: Store) -> None:
    attempt = started_attempt(store)
    for question in QUESTIONS:
        store.answers.save(attempt, question_id=question, answer=("C",), flagged=False)
    store.attempts.finish(attempt)
    everything = store.outbox.pending(limit=100, max_bytes=1 << 20)
    assert [r.seq for r in everything] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.seq for r in store.outbox.pending(limit=2, max_bytes=1 << 20)] == [1, 2]
    assert len(store.outbox.pending(limit=100, max_bytes=1)) == 1  # always at least one
    results = [{"id": r.id, "status": "accepted"} for r in everything[:3]]
    results.append({"id": everything[3].id, "status": "duplicate"})
    results.append({"id": everything[4].id, "status": "rejected", "reason": "unknown_option"})
    counts = store.outbox.acknowledge(results, batch_id=str(uuid.uuid4()))
    assert (counts.pending, counts.acknowledged, counts.quarantined) == (2, 4, 1)
    assert [r.seq for r in store.outbox.pending(100, 1 << 20)] == [6, 7]
    assert store.outbox.acknowledged_high_water() == 4
    assert store.outbox.resend_after(2) == 2  # the server lost 3 and 4 (old backup)
    assert [r.seq for r in store.outbox.pending(100, 1 << 20)] == [3, 4, 6, 7]
    store.outbox.quarantine([everything[5].id], reason="bad")
    store.outbox.apply_attempt_results(
        [{"attempt_id": attempt, "integrity": "complete", "receipt_code": "K7F3-9QX2"}]
    )
    view = store.attempts.get(attempt)
    assert (view.integrity, view.receipt_code) == ("complete", "K7F3-9QX2")
    assert store.outbox.counts().total == 7  # nothing is ever deleted
    # Resending gives byte-identical records (the server compares content of duplicates).
    again = {r.id: r.wire() for r in store.outbox.records()}
    assert all(again[r.id] == r.wire() for r in everything)
    check_outbox(store)


operation = st.one_of(
    st.tuples(st.just("save"), st.sampled_from(QUESTIONS), st.sets(st.sampled_from("ABCDE"))),
    st.tuples(st.just("flag"), st.sampled_from(QUESTIONS), st.booleans()),
    st.tuples(st.just("enter"), st.sampled_from(QUESTIONS), st.none()),
    st.tuples(st.just("leave"), st.sampled_from(QUESTIONS), st.none()),
    st.tuples(st.just("tick"), st.integers(0, 7000), st.none()),
    st.tuples(st.just("pause"), st.none(), st.none()),
    st.tuples(st.just("resume"), st.none(), st.none()),
    st.tuples(st.just("extend"), st.integers(1, 20), st.none()),
    st.tuples(st.just("incident"), st.none(), st.none()),
    st.tuples(st.just("jump"), st.integers(-7200, 7200), st.none()),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(operation, max_size=25), st.booleans())
def test_random_exams_keep_the_outbox_and_time_consistent(
    template: Path, operations: list[tuple[str, object, object]], terminate: bool
) -> None:
    clock = FakeClock()
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(template, Path(folder) / "store.sqlite3")
        store = Store.open(Path(folder) / "store.sqlite3", clock=clock)
        attempt = started_attempt(store)
        expected_used = extended_ms = 0
        for name, first, second in operations:
            status = store.attempts.get(attempt).status.value
            if name == "save" and status == "active":
                answer = tuple(sorted(second))  # type: ignore[call-overload]
                store.answers.save(attempt, question_id=str(first), answer=answer, flagged=False)
            elif name == "flag" and status == "active":
                store.answers.set_flag(attempt, question_id=str(first), flagged=bool(second))
            elif name == "enter":
                store.answers.enter_question(attempt, question_id=str(first))
            elif name == "leave":
                store.answers.leave_question(attempt, question_id=str(first))
            elif name == "tick":
                assert isinstance(first, int)
                clock.advance(first)
                store.answers.heartbeat(attempt)
                expected_used += first if status == "active" else 0
            elif name == "jump":  # the wall clock is set: nothing may change
                assert isinstance(first, int)
                clock.jump_wall(first)
            elif name == "pause" and status == "active":
                store.attempts.pause(attempt, by="p", reason="r")
            elif name == "resume" and status == "paused":
                store.attempts.resume(attempt, by="p")
            elif name == "extend":
                minutes = int(str(first))
                if extended_ms + minutes * 60_000 > MAX_EXTENSION_MINUTES * 60_000:
                    with pytest.raises(LifecycleError):  # the cap: nothing recorded
                        store.attempts.extend(attempt, minutes=minutes, reason="r", by="p")
                else:
                    store.attempts.extend(attempt, minutes=minutes, reason="r", by="p")
                    extended_ms += minutes * 60_000
            elif name == "incident":
                store.attempts.incident(attempt, category="c", note="n", by="p")
        view = store.attempts.get(attempt)
        assert view.used_ms == expected_used
        assert view.remaining_ms == max(0, 3_600_000 + extended_ms - expected_used)
        if terminate:
            store.attempts.terminate(attempt, reason="end", by="p")
        else:
            store.attempts.finish(attempt)
        check_outbox(store)
        view = store.attempts.get(attempt)
        per_question = {q: a.time_spent_ms for q, a in store.answers.current(attempt).items()}
        with store.engine.connect() as connection:
            segments = connection.exec_driver_sql(
                "SELECT question_id, start_ms, end_ms FROM time_segments ORDER BY start_ms"
            ).all()
        for earlier, later in itertools.pairwise(segments):
            assert earlier[2] <= later[1]  # never overlapping
        for question, spent in per_question.items():
            assert spent == sum(end - start for q, start, end in segments if q == question)
        assert sum(per_question.values()) <= view.used_ms
        # The last time each question was reported equals its final time.
        last_reported: dict[str, int] = {}
        for record in store.outbox.records():
            if "time_spent_ms" in record.data:
                last_reported[str(record.data["question_id"])] = int(record.data["time_spent_ms"])
        assert {q: t for q, t in per_question.items() if t} == {
            q: t for q, t in last_reported.items() if t
        }
        assert store.integrity_check() == "ok"
        store.close()
