"""The fold on hand-made records, no database (API.md "Batch sync" rules 3, 6 and 7):
the start makes the attempt, the lowest-``seq`` finish or termination ends it, and each
question's answer and time are those of its highest-``seq`` record, in any arrival order.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from medxam_server.rules.answers import QuestionInfo
from medxam_server.rules.fold import (
    FoldRecord,
    answer_effect,
    answer_fits,
    find_end,
    find_start,
    fold_attempt,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Q1, Q2, Q3 = (f"c0ffee{n:02d}-aaaa-4bbb-8ccc-dddddddddddd" for n in (1, 2, 3))  # hex letters
SINGLE = QuestionInfo(Q1, 1, "single", frozenset("ABCD"), frozenset("B"), 100, 0)
MULTIPLE = QuestionInfo(Q2, 2, "multiple", frozenset("ABCD"), frozenset("AC"), 200, 50)
TRUE_FALSE = QuestionInfo(Q3, 3, "true_false", frozenset("AB"), frozenset("A"), 100, 0)
QUESTIONS = {q.question_id: q for q in (SINGLE, MULTIPLE, TRUE_FALSE)}


def rec(seq: int, kind: str, **data: Any) -> FoldRecord:
    """A kept record: its time follows its seq (one second each), as evidence only."""
    at = T0 + timedelta(seconds=seq)
    return FoldRecord(str(uuid.uuid4()), seq, kind, at, data, "ws-1")


def started(seq: int = 1) -> FoldRecord:
    return rec(seq, "attempt.started", delivery_id="d-1", taker_id="t-1")


def saved(
    seq: int, question_id: str, answer: list[str], time_ms: int | None = None, **extra: Any
) -> FoldRecord:
    data: dict[str, Any] = {"question_id": question_id, "answer": answer, **extra}
    if time_ms is not None:
        data["time_spent_ms"] = time_ms
    return rec(seq, "answer.saved", **data)


def timed(seq: int, question_id: str, time_ms: int) -> FoldRecord:
    return rec(seq, "question.timed", question_id=question_id, time_spent_ms=time_ms)


def finished(seq: int) -> FoldRecord:
    return rec(seq, "attempt.finished", record_count=seq - 1, digest="0" * 64)


def terminated(seq: int) -> FoldRecord:
    return rec(seq, "attempt.terminated", reason="left the room")


def answers_of(records: list[FoldRecord]) -> dict[str, tuple[list[str], int]]:
    folded = fold_attempt(records, QUESTIONS)
    assert folded is not None
    return {q: (a.answer, a.time_spent_ms) for q, a in folded.answers.items()}


# --- find_start / find_end ----------------------------------------------------------------


def test_find_start_is_the_lowest_seq_start_and_none_without_one() -> None:
    first, second = started(4), started(2)
    assert find_start([saved(1, Q1, ["A"]), first, second]) is second
    assert find_start([saved(1, Q1, ["A"]), finished(9)]) is None
    assert find_start([]) is None


def test_find_end_is_the_lowest_seq_finish_or_termination() -> None:
    finish, terminate = finished(9), terminated(7)
    pause, resume = rec(5, "attempt.paused"), rec(6, "attempt.resumed")
    assert find_end([started(), pause, resume, finish, terminate]) is terminate
    assert find_end([started(), finished(12), finish]) is finish
    assert find_end([started(), pause, resume, saved(2, Q1, ["A"])]) is None


# --- answer_fits / answer_effect ------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "labels", "fits"),
    [
        (SINGLE, ["B"], True),
        (SINGLE, ["E"], False),  # no such option
        (SINGLE, [], True),  # cleared
        (SINGLE, ["A", "B"], False),  # a single question takes one option
        (TRUE_FALSE, ["A", "B"], False),
        (TRUE_FALSE, ["C"], False),
        (MULTIPLE, ["C", "A"], True),
        (MULTIPLE, ["A", "A"], False),  # the same option twice
        (MULTIPLE, ["A", "E"], False),
    ],
)
def test_answer_fits(question: QuestionInfo, labels: list[str], fits: bool) -> None:
    assert answer_fits(question, labels) is fits


def test_answer_effect_of_each_kind() -> None:
    assert answer_effect(saved(2, Q2, ["C", "A"], 1500), QUESTIONS) == (MULTIPLE, ["C", "A"], 1500)
    assert answer_effect(saved(2, Q1, ["B"]), QUESTIONS) == (SINGLE, ["B"], None)  # no time
    assert answer_effect(saved(2, Q1, []), QUESTIONS) == (SINGLE, [], None)
    assert answer_effect(timed(3, Q3, 900), QUESTIONS) == (TRUE_FALSE, None, 900)
    # A question id is matched whatever its case (UUIDs are case-insensitive).
    assert answer_effect(saved(2, Q1.upper(), ["B"]), QUESTIONS) == (SINGLE, ["B"], None)


def test_answer_effect_is_none_for_what_sets_no_answer() -> None:
    for record in (started(), rec(4, "attempt.paused"), rec(5, "attempt.resumed"), finished(9)):
        assert answer_effect(record, QUESTIONS) is None
    other_question = str(uuid.UUID(int=99))
    assert answer_effect(saved(2, other_question, ["A"], 10), QUESTIONS) is None
    assert answer_effect(timed(2, other_question, 10), QUESTIONS) is None
    # An answer that does not fit counts for nothing, its time included.
    assert answer_effect(saved(2, Q1, ["A", "B"], 10), QUESTIONS) is None
    assert answer_effect(saved(2, Q1, ["Z"], 10), QUESTIONS) is None


# --- fold_attempt -----------------------------------------------------------------------------


def test_no_attempt_until_its_start_is_held() -> None:
    early = [saved(2, Q1, ["A"], 100), timed(3, Q2, 50), finished(4)]
    assert fold_attempt(early, QUESTIONS) is None
    folded = fold_attempt([*early, started(1)], QUESTIONS)
    assert folded is not None and folded.status == "finished"
    assert folded.started.seq == 1


def test_answers_arriving_out_of_seq_order_end_with_the_highest_seq() -> None:
    records = [
        started(1),
        saved(2, Q1, ["A"], 1000),
        saved(3, Q2, ["A"], 2000),
        saved(4, Q1, ["D"], 3000, flagged=True),
        saved(5, Q2, ["C", "A"], 4000),
    ]
    for order in ([4, 0, 2, 3, 1], [3, 4, 1, 2, 0], [0, 1, 2, 3, 4]):
        folded = fold_attempt([records[i] for i in order], QUESTIONS)
        assert folded is not None and folded.status == "in_progress" and folded.end is None
        first, second = folded.answers[Q1], folded.answers[Q2]
        assert (first.answer, first.time_spent_ms, first.flagged) == (["D"], 3000, True)
        assert (first.answer_seq, first.time_seq, first.position) == (4, 4, 1)
        assert first.answered_at == records[3].at
        assert first.answered_text == records[3].at.isoformat()
        assert (second.answer, second.answer_seq, second.flagged) == (["C", "A"], 5, False)


def test_a_clear_with_the_highest_seq_leaves_no_answer() -> None:
    records = [started(), saved(2, Q1, ["B"], 100), saved(3, Q1, [], 250)]
    assert answers_of(records) == {Q1: ([], 250)}
    assert answers_of([records[2], records[0], records[1]]) == {Q1: ([], 250)}
    # A clear with a lower seq than the answer changes nothing, whenever it arrives.
    late_clear = [started(), saved(3, Q1, ["B"], 100), saved(2, Q1, [], 50)]
    assert answers_of(late_clear) == {Q1: (["B"], 100)}


def test_time_comes_from_the_highest_seq_record_that_carries_one() -> None:
    records = [
        started(),
        saved(2, Q1, ["B"], 1000),
        timed(3, Q1, 4000),  # left the question later: more time, same answer
        saved(4, Q1, ["C"]),  # an answer without a time keeps the time
        timed(5, Q3, 700),  # looked at, never answered
    ]
    folded = fold_attempt(list(reversed(records)), QUESTIONS)
    assert folded is not None
    row = folded.answers[Q1]
    assert (row.answer, row.answer_seq, row.time_spent_ms, row.time_seq) == (["C"], 4, 4000, 3)
    unanswered = folded.answers[Q3]
    assert (unanswered.answer, unanswered.answered_at, unanswered.time_spent_ms) == ([], None, 700)
    assert unanswered.position == 3


def test_pause_and_resume_neither_end_the_attempt_nor_stop_answers() -> None:
    records = [
        started(),
        saved(2, Q1, ["A"], 100),
        rec(3, "attempt.paused", reason="toilet break"),
        rec(4, "attempt.resumed"),
        saved(5, Q1, ["B"], 300),
        rec(6, "attempt.time_extended", minutes=10, reason="fire alarm"),
    ]
    folded = fold_attempt(records, QUESTIONS)
    assert folded is not None
    assert (folded.status, folded.end, folded.end_seq, folded.finished_at) == (
        "in_progress",
        None,
        None,
        None,
    )
    assert answers_of(records) == {Q1: (["B"], 300)}


def test_a_finish_ends_the_attempt_and_later_seqs_take_no_effect() -> None:
    end = finished(4)
    records = [
        saved(6, Q1, ["D"], 9000),  # after the finish, though it arrived first
        timed(5, Q2, 8000),
        started(),
        saved(2, Q1, ["B"], 1000),
        saved(3, Q2, ["A", "C"], 2000),
        end,
    ]
    folded = fold_attempt(records, QUESTIONS)
    assert folded is not None
    assert (folded.status, folded.end, folded.end_seq, folded.finished_at) == (
        "finished",
        end,
        4,
        end.at,
    )
    assert answers_of(records) == {Q1: (["B"], 1000), Q2: (["A", "C"], 2000)}


def test_a_termination_ends_it_as_terminated_and_the_first_ending_wins() -> None:
    records = [started(), saved(2, Q1, ["B"], 10), terminated(3), saved(4, Q1, ["C"], 20)]
    folded = fold_attempt([*records, finished(5)], QUESTIONS)
    assert folded is not None
    assert (folded.status, folded.end_seq, folded.finished_at) == ("terminated", 3, records[2].at)
    assert answers_of(records) == {Q1: (["B"], 10)}
    finish_first = fold_attempt([started(), finished(2), terminated(3)], QUESTIONS)
    assert finish_first is not None and finish_first.status == "finished"


def test_an_answer_that_does_not_fit_is_as_if_rejected() -> None:
    """Kept as evidence, it has no effect: the earlier answer and its time stay."""
    records = [
        started(),
        saved(2, Q1, ["B"], 100),
        saved(3, Q1, ["A", "B"], 999),  # two options for a single question
        saved(4, Q3, ["C"], 999),  # no such option
        saved(5, str(uuid.UUID(int=42)), ["A"], 999),  # not a question of this exam
    ]
    assert answers_of(records) == {Q1: (["B"], 100)}


# --- property ---------------------------------------------------------------------------------


@st.composite
def answer_records(draw: st.DrawFn) -> list[FoldRecord]:
    """Valid answers to the three questions with distinct seqs (from 2, after the start)."""
    count = draw(st.integers(min_value=1, max_value=25))
    seqs = draw(st.lists(st.integers(2, 500), min_size=count, max_size=count, unique=True))
    records = []
    for seq in seqs:
        question = draw(st.sampled_from([SINGLE, MULTIPLE, TRUE_FALSE]))
        labels = sorted(question.labels)
        if question.type == "multiple":
            answer = draw(st.lists(st.sampled_from(labels), unique=True, max_size=4))
        else:
            answer = draw(st.lists(st.sampled_from(labels), max_size=1))
        time_ms = draw(st.none() | st.integers(0, 10**7))
        records.append(saved(seq, question.question_id, answer, time_ms))
    return records


@given(answer_records(), st.none() | st.integers(2, 500), st.randoms(use_true_random=False))
def test_each_answer_is_the_highest_seq_before_the_end_in_any_arrival_order(
    records: list[FoldRecord], end_seq: int | None, rng: random.Random
) -> None:
    records = [r for r in records if r.seq != end_seq]
    everything = [started(), *records, *([finished(end_seq)] if end_seq else [])]
    rng.shuffle(everything)
    folded = fold_attempt(everything, QUESTIONS)
    assert folded is not None
    counted = [r for r in records if end_seq is None or r.seq < end_seq]
    expected: dict[str, tuple[list[str], int]] = {}
    for question_id in QUESTIONS:
        mine = sorted((r for r in counted if r.data["question_id"] == question_id), key=seq_of)
        if not mine:
            continue
        answer = mine[-1].data["answer"]
        times = [r.data["time_spent_ms"] for r in mine if "time_spent_ms" in r.data]
        expected[question_id] = (answer, times[-1] if times else 0)
    assert {q: (a.answer, a.time_spent_ms) for q, a in folded.answers.items()} == expected
    assert folded.status == ("in_progress" if end_seq is None else "finished")


def seq_of(record: FoldRecord) -> int:
    return record.seq
