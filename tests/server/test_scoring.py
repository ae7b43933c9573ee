"""Exact scoring: set semantics per question type, and no drift over many questions."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from medxam_server.rules.points import UNITS_PER_POINT, from_units, to_units
from medxam_server.rules.scoring import percent, score_answers, score_question


@dataclass(frozen=True)
class Q:
    question_id: str
    key: frozenset[str]
    points_units: int
    penalty_units: int


def q(key: str, points: float = 1, penalty: float = 0, qid: str = "q") -> Q:
    return Q(qid, frozenset(key), to_units(points), to_units(penalty))


def test_single_true_false_and_multiple_are_set_equality() -> None:
    assert score_question(q("B"), ["B"]).is_correct is True
    assert score_question(q("B"), ["A"]).is_correct is False
    assert score_question(q("AC"), ["C", "A"]).is_correct is True
    assert score_question(q("AC"), ["A"]).is_correct is False  # a subset is wrong
    assert score_question(q("AC"), ["A", "B", "C"]).is_correct is False  # so is a superset
    omitted = score_question(q("B", penalty=1), [])
    assert (omitted.is_correct, omitted.points_awarded_units) == (None, 0)
    wrong = score_question(q("B", penalty=0.5), ["A"])
    assert wrong.points_awarded_units == -to_units(0.5)


def test_totals_penalties_and_percent() -> None:
    questions = [q("A", 1, 0.25, "1"), q("AB", 2, 1 / 3, "2"), q("B", 1, 1, "3")]
    result = score_answers(questions, {"1": ["A"], "2": ["A"], "3": []})
    assert result.score_units == to_units(1)
    assert result.penalty_units == to_units(1 / 3)
    assert result.max_score_units == to_units(4)
    assert from_units(result.total_units) == 0.666667
    assert percent(result.total_units, result.max_score_units) == 16.67
    assert percent(0, 0) is None


@given(st.integers(min_value=1, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_third_point_penalties_never_drift(wrong: int, right: int) -> None:
    questions = [q("A", 1, 1 / 3, f"w{i}") for i in range(wrong)]
    questions += [q("A", 1, 1 / 3, f"r{i}") for i in range(right)]
    answers = {f"w{i}": ["B"] for i in range(wrong)} | {f"r{i}": ["A"] for i in range(right)}
    result = score_answers(questions, answers)
    exact = Fraction(right) - Fraction(wrong, 3)
    assert Fraction(result.total_units, UNITS_PER_POINT) == exact
    assert result.penalty_units * 3 == wrong * UNITS_PER_POINT
    if wrong % 3 == 0:
        assert from_units(result.total_units) == right - wrong // 3


@given(
    st.lists(
        st.tuples(
            st.fractions(min_value=0, max_value=10, max_denominator=16),
            st.fractions(min_value=0, max_value=10, max_denominator=16),
            st.sampled_from(["right", "wrong", "omitted"]),
        ),
        max_size=200,
    )
)
def test_any_fractions_up_to_sixteenths_sum_exactly(
    items: list[tuple[Fraction, Fraction, str]],
) -> None:
    questions = [q("A", points, penalty, str(i)) for i, (points, penalty, _) in enumerate(items)]
    picks = {"right": ["A"], "wrong": ["B"], "omitted": []}
    answers = {str(i): picks[outcome] for i, (_, _, outcome) in enumerate(items)}
    result = score_answers(questions, answers)
    expected = sum(
        (p if o == "right" else -n if o == "wrong" else Fraction(0)) for p, n, o in items
    )
    assert Fraction(result.total_units, UNITS_PER_POINT) == expected
