"""F6: a store that cannot write raises StoreWriteError, nothing is half-written, and
after space is freed (or the store is writable again) work goes on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from medxam_desktop.domain.attempt import SavedAnswer
from medxam_desktop.domain.timing import FakeClock
from medxam_desktop.errors import StoreError, StoreWriteError, user_message
from medxam_desktop.store import Store
from tests.desktop.sample_exam import question_ids, started_attempt
from tests.desktop.test_store_outbox import check_outbox

QUESTIONS = question_ids(50)


def _pragma(store: Store, pragma: str) -> object:
    with store.engine.connect() as connection:
        connection.execution_options(read_only=True)
        result = connection.exec_driver_sql(f"PRAGMA {pragma}")
        return result.scalar() if result.returns_rows else None


def test_disk_full_saves_nothing_and_work_goes_on_after_space_is_freed(
    store: Store, clock: FakeClock
) -> None:
    attempt = started_attempt(store, question_count=50)
    _pragma(store, f"max_page_count={_pragma(store, 'page_count')}")  # the disk is now "full"
    saved: list[SavedAnswer] = []
    failure: StoreWriteError | None = None
    for index in range(5000):
        clock.advance(100)
        question = QUESTIONS[index % len(QUESTIONS)]
        try:
            saved.append(
                store.answers.save(attempt, question_id=question, answer=("ABCDE"[index % 5],),
                                   flagged=index % 2 == 0)
            )  # fmt: skip
        except StoreWriteError as exc:
            failure, failed_question = exc, question
            break
    assert failure is not None, "the store never filled up"
    assert "disk is full" in user_message(failure) and "NOT saved" in user_message(failure)
    # Nothing half-written: the answers on disk are exactly the ones reported saved, and the
    # outbox holds exactly one answer.saved per reported save.
    current = store.answers.current(attempt)
    last_saved = {s.question_id: s for s in saved}
    for question, answer in last_saved.items():
        assert current[question].answer == answer.answer
        assert current[question].flagged == answer.flagged
    if failed_question not in last_saved:
        assert not current.get(failed_question) or not current[failed_question].answered
    records = [r for r in store.outbox.records() if r.kind == "answer.saved"]
    assert [r.seq for r in records] == [s.seq for s in saved]
    # Space is freed: the same save now works, and the file is sound.
    _pragma(store, "max_page_count=1073741823")
    retry = store.answers.save(attempt, question_id=failed_question, answer=("E",), flagged=False)
    assert retry.seq == saved[-1].seq + 1
    assert store.answers.current(attempt)[failed_question].answer == ("E",)
    assert store.integrity_check() == "ok"
    check_outbox(store)


def test_read_only_store_refuses_every_write_and_recovers(store: Store) -> None:
    attempt = started_attempt(store)
    first = store.answers.save(attempt, question_id=QUESTIONS[0], answer=("A",), flagged=False)
    _pragma(store, "query_only=1")
    writes: list[Callable[[], object]] = [
        lambda: store.answers.save(attempt, question_id=QUESTIONS[0], answer=("B",),
                                   flagged=False),
        lambda: store.answers.heartbeat(attempt),
        lambda: store.answers.enter_question(attempt, question_id=QUESTIONS[1]),
        lambda: store.attempts.pause(attempt, by="p-1", reason="r"),
        lambda: store.attempts.extend(attempt, minutes=1, reason="r", by="p-1"),
        lambda: store.attempts.finish(attempt),
    ]  # fmt: skip
    for write in writes:
        with pytest.raises(StoreWriteError) as caught:
            write()
        assert "read-only" in user_message(caught.value)
    assert store.answers.current(attempt)[QUESTIONS[0]].answer == ("A",)
    assert [r.seq for r in store.outbox.records()][-1] == first.seq
    _pragma(store, "query_only=0")
    store.answers.save(attempt, question_id=QUESTIONS[0], answer=("B",), flagged=False)
    store.attempts.finish(attempt)
    assert store.integrity_check() == "ok"
    check_outbox(store)


def test_a_store_that_cannot_be_created_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    with pytest.raises(StoreError):
        Store.open(blocker / "store.sqlite3")
