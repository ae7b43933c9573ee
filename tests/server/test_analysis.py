"""The pure statistics of services/item_analysis.py against an independent reference."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medxam_server.rules import item_analysis
from tests.server import results_reference as ref

LABELS = ["A", "B", "C", "D", "E"]
BITS = {label: bit for bit, label in enumerate(LABELS)}


@dataclass
class Generated:
    answers: list[list[list[str] | None]]
    keys: list[list[str]]
    labels: list[list[str]]


def generate(seed: int, n: int, k: int, omit_rate: float = 0.1) -> Generated:
    """Answers of ``n`` attempts to ``k`` items: single best, multiple response, true/false."""
    rng = np.random.default_rng(seed)
    labels, keys = [], []
    for i in range(k):
        kind = i % 3
        if kind == 0:
            labels.append(LABELS[:5])
            keys.append([LABELS[int(rng.integers(5))]])
        elif kind == 1:
            labels.append(LABELS[:5])
            keys.append(sorted(rng.choice(LABELS[:5], size=2, replace=False).tolist()))
        else:
            labels.append(["A", "B"])
            keys.append([["A", "B"][int(rng.integers(2))]])
    ability = rng.normal(size=n)
    difficulty = rng.normal(size=k)
    answers: list[list[list[str] | None]] = []
    for j in range(n):
        row: list[list[str] | None] = []
        for i in range(k):
            if rng.random() < omit_rate:
                row.append(None)
            elif rng.random() < 1 / (1 + math.exp(difficulty[i] - ability[j])):
                row.append(list(keys[i]))
            else:
                size = 2 if len(keys[i]) == 2 and rng.random() < 0.7 else 1
                row.append(sorted(rng.choice(labels[i], size=size, replace=False).tolist()))
        answers.append(row)
    return Generated(answers, keys, labels)


def arrays(data: Generated) -> tuple[np.ndarray, np.ndarray, list[list[item_analysis.OptionSpec]]]:
    n, k = len(data.answers), len(data.keys)
    choices = np.zeros((n, k), dtype=np.int64)
    for j, row in enumerate(data.answers):
        for i, answer in enumerate(row):
            for label in answer or []:
                choices[j, i] |= 1 << BITS[label]
    keys = np.array([sum(1 << BITS[label] for label in key) for key in data.keys])
    specs = [
        [item_analysis.OptionSpec(label, BITS[label], label in key) for label in labels]
        for labels, key in zip(data.labels, data.keys, strict=True)
    ]
    return choices, keys, specs


def analyse(data: Generated) -> tuple[item_analysis.Reliability, list[item_analysis.ItemStats]]:
    choices, keys, specs = arrays(data)
    x = item_analysis.item_scores(choices, keys)
    return item_analysis.reliability(x), item_analysis.item_statistics(x, choices, specs)


def assert_matches_reference(data: Generated) -> None:
    reliability, items = analyse(data)
    x = [[ref.score(a, key) for a, key in zip(row, data.keys, strict=True)] for row in data.answers]
    expected = ref.reliability(x)
    for name in ("kr20", "kr21", "sem"):
        assert ref.close(getattr(reliability, name), expected[name]), name
    if expected["kr20_ci95"] is None:
        assert reliability.kr20_ci95 is None
    else:
        assert reliability.kr20_ci95 is not None
        for got, want in zip(reliability.kr20_ci95, expected["kr20_ci95"], strict=True):
            assert ref.close(got, want)
    reference_items = ref.items(data.answers, data.keys, data.labels)
    for i, (item, want) in enumerate(zip(items, reference_items, strict=True)):
        assert ref.close(item.p, want.p), i
        assert ref.close(item.point_biserial, want.r), i
        assert ref.close(item.point_biserial_corrected, want.r_corrected), i
        assert ref.close(item.upper_p, want.upper_p), i
        assert ref.close(item.lower_p, want.lower_p), i
        assert ref.close(item.discrimination, want.discrimination), i
        assert item.flags == want.flags, i
        assert [o.label for o in item.options] == list(want.options), i
        for option in item.options:
            expected_option = want.options[option.label]
            assert option.is_key == expected_option["is_key"]
            assert option.count == expected_option["count"]
            for name in ("proportion", "upper_proportion", "lower_proportion"):
                assert ref.close(getattr(option, name), expected_option[name]), (i, name)


@pytest.mark.parametrize(("seed", "n", "k"), [(1, 40, 9), (2, 37, 12), (3, 200, 30), (4, 11, 6)])
def test_every_statistic_matches_the_reference(seed: int, n: int, k: int) -> None:
    data = generate(seed, n, k)
    assert_matches_reference(data)


def test_ties_at_the_group_boundary_share_the_places() -> None:
    # T = 3, 2, 2, 2, 1, 1, 0, 0, 0, 0 with n = 10: n_g = round_half_up(2.7) = 3.
    x = np.array(
        [
            *([1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0]),
            *([0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]),
        ],
        dtype=np.int64,
    )
    upper, lower = item_analysis.groups(x.sum(axis=1))
    assert upper.size == lower.size == 3
    # Upper: the 3 in full, then two places shared by the three 2s (2/3 each).
    assert upper.share == Fraction(2, 3)
    # Each item: the 3 scored 1, and two of the three 2s did: (1 + 2·2/3) / 3 = 7/9.
    assert upper.proportions(x).tolist() == pytest.approx([7 / 9] * 3, rel=1e-15)
    # Lower: four 0s tied for three places (3/4 each), none of them scored anything.
    assert lower.share == Fraction(3, 4)
    assert lower.proportions(x).tolist() == [0.0, 0.0, 0.0]
    data = Generated(
        answers=[[["A"] if v else ["B"] for v in row] for row in x.tolist()],
        keys=[["A"]] * 3,
        labels=[["A", "B"]] * 3,
    )
    assert_matches_reference(data)


def test_a_single_attempt_has_p_but_no_spread_statistics() -> None:
    data = generate(5, 1, 6, omit_rate=0.3)
    reliability, items = analyse(data)
    assert reliability == item_analysis.Reliability(None, None, None, None)
    for item in items:
        assert item.p in (0.0, 1.0)
        assert item.point_biserial is None and item.point_biserial_corrected is None
        assert item.upper_p is None and item.discrimination is None  # n_g = round(0.27) = 0
    assert_matches_reference(data)
    summary = item_analysis.score_summary(np.array([2.5]), np.array([True]))
    assert summary.sd is None and summary.mean == summary.median == 2.5 and summary.pass_rate == 1


def test_zero_variance_gives_null_never_nan() -> None:
    row: list[list[str] | None] = [["A"], ["B"], None, ["A", "C"]]
    data = Generated(
        [list(row) for _ in range(12)], [["A"], ["A"], ["B"], ["A", "C"]], [LABELS] * 4
    )
    reliability, items = analyse(data)
    assert reliability == item_analysis.Reliability(None, None, None, None)
    assert all(item.point_biserial is None for item in items)
    assert [item.p for item in items] == [1.0, 0.0, 0.0, 1.0]
    assert items[0].discrimination == 0.0  # everyone tied: both groups are everyone
    assert_matches_reference(data)


def test_no_finished_attempts() -> None:
    x = np.zeros((0, 4), dtype=np.int64)
    specs = [[item_analysis.OptionSpec("A", 0, True)]] * 4
    items = item_analysis.item_statistics(x, x.copy(), specs)
    assert all(i.p is None and i.options[0].count == 0 for i in items)
    summary = item_analysis.score_summary(np.zeros(0), np.zeros(0, dtype=bool))
    assert summary.n == 0 and summary.mean is None and summary.pass_rate is None


def test_score_summary_and_pass_rule() -> None:
    totals = np.array([4.0, -1 / 3, 7.5, 4.0, 10.0])
    summary = item_analysis.score_summary(totals, totals >= 4.0)
    expected = ref.summary(totals.tolist(), 4.0)
    for name, value in expected.items():
        assert ref.close(getattr(summary, name), value), name


def test_histogram_bins_cover_zero_to_max_and_beyond() -> None:
    totals = [0, 5, 10, 100, 99, -3, 120, 30]
    bins = item_analysis.histogram(np.array(totals), top=100, bins=10)
    edges = [(b.start, b.end) for b in bins]
    assert edges == [(Fraction(10 * j), Fraction(10 * j + 10)) for j in range(-1, 13)]
    for b in bins:
        # The maximum score belongs to the last regular bin [90, 100], closed at the top.
        inside = [t for t in totals if (t == 100 == b.end) or (t != 100 and b.start <= t < b.end)]
        assert b.count == len(inside), b
    assert sum(b.count for b in bins) == len(totals)


def test_histogram_of_thirds_is_exact() -> None:
    # top = 3 points of 3 units each; a total of exactly 0.9 points sits on an edge.
    bins = item_analysis.histogram(np.array([0, 1, 2, 3, 9]), top=9, bins=10)
    assert len(bins) == 10 and [b.count for b in bins] == [1, 1, 1, 1, 0, 0, 0, 0, 0, 1]


PERMUTED_DATA = st.integers(min_value=0, max_value=10_000).flatmap(
    lambda seed: st.tuples(
        st.just(seed),
        st.integers(min_value=1, max_value=60),
        st.integers(min_value=1, max_value=8),
        st.permutations(range(60)),
    )
)


@settings(max_examples=60, deadline=None)
@given(PERMUTED_DATA)
def test_statistics_do_not_depend_on_attempt_order(case: tuple[int, int, int, list[int]]) -> None:
    seed, n, k, permutation = case
    data = generate(seed, n, k, omit_rate=0.2)
    order = [j for j in permutation if j < n]
    shuffled = Generated([data.answers[j] for j in order], data.keys, data.labels)
    reliability, items = analyse(data)
    reliability2, items2 = analyse(shuffled)
    assert reliability == reliability2 or all(
        ref.close(getattr(reliability, f), getattr(reliability2, f), 1e-12)
        for f in ("kr20", "kr21", "sem")
    )
    assert items == items2  # exact integer and Fraction arithmetic: bit-for-bit equal
    choices, _, _ = arrays(data)
    totals = choices.sum(axis=1).astype(np.float64) / 7
    summary = item_analysis.score_summary(totals, totals >= 1)
    summary2 = item_analysis.score_summary(totals[order], totals[order] >= 1)
    for name in ("n", "mean", "median", "min", "max", "sd", "pass_count", "pass_rate"):
        assert ref.close(getattr(summary, name), getattr(summary2, name), 1e-12)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(min_value=1, max_value=40).flatmap(
        lambda n: st.integers(min_value=1, max_value=10).flatmap(
            lambda k: st.lists(
                st.lists(st.integers(min_value=0, max_value=1), min_size=k, max_size=k),
                min_size=n,
                max_size=n,
            )
        )
    )
)
def test_p_is_a_proportion_and_kr20_is_at_most_one(matrix: list[list[int]]) -> None:
    x = np.array(matrix, dtype=np.int64)
    # choices: option A (bit 0) is the key; a wrong answer is B (bit 1).
    choices = np.where(x == 1, 1, 2).astype(np.int64)
    specs = [
        [item_analysis.OptionSpec("A", 0, True), item_analysis.OptionSpec("B", 1, False)]
    ] * x.shape[1]
    for item in item_analysis.item_statistics(x, choices, specs):
        assert item.p is not None and 0.0 <= item.p <= 1.0
        for value in (item.upper_p, item.lower_p):
            assert value is None or 0.0 <= value <= 1.0
        for r in (item.point_biserial, item.point_biserial_corrected):
            assert r is None or -1.0 <= r <= 1.0
    kr20 = item_analysis.reliability(x).kr20
    assert kr20 is None or kr20 <= 1.0


def test_identical_items_give_kr20_of_exactly_one() -> None:
    column = np.array([1, 0, 1, 1, 0, 1, 0, 0, 1, 1], dtype=np.int64)
    x = np.repeat(column[:, np.newaxis], 7, axis=1)
    assert item_analysis.reliability(x).kr20 == 1.0
