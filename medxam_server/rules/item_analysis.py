"""Score statistics and classical item analysis: pure NumPy/SciPy, no database.

The definitions are fixed by API.md "Results summary". Inputs are arrays over the
finished attempts (rows) and the exam's items in exam order (columns):

- ``x``: the item-score matrix, 1 when the chosen option set equals the key set, else 0;
- ``choices``: the chosen options of each answer as a bit mask (bit ``b`` set when the
  option with bit ``b`` was chosen; 0 = omitted);
- totals (points after penalties) and whether each attempt passed.

Everything that involves only counts is computed with exact integers, so a statistic
that is undefined (zero variance, too few attempts) is detected exactly and returned as
``None``, never NaN, and KR-20 can never come out a rounding error above 1.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

TOO_HARD_BELOW = 0.20
TOO_EASY_ABOVE = 0.90
LOW_DISCRIMINATION_BELOW = 0.10
GROUP_PERCENT = 27
HISTOGRAM_BINS = 10


@dataclass(frozen=True)
class ScoreSummary:
    n: int
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    sd: float | None
    pass_count: int
    pass_rate: float | None


@dataclass(frozen=True)
class Bin:
    """``[start, end)`` in the caller's units; the regular bin ending at ``top`` is closed."""

    start: Fraction
    end: Fraction
    count: int


@dataclass(frozen=True)
class Reliability:
    kr20: float | None
    kr20_ci95: tuple[float, float] | None
    kr21: float | None
    sem: float | None


@dataclass(frozen=True)
class OptionSpec:
    """One option of an item: its label, its bit in ``choices`` and whether it is keyed."""

    label: str
    bit: int
    is_key: bool


@dataclass(frozen=True)
class OptionStats:
    label: str
    is_key: bool
    count: int
    proportion: float | None
    upper_proportion: float | None
    lower_proportion: float | None


@dataclass(frozen=True)
class ItemStats:
    p: float | None
    point_biserial: float | None
    point_biserial_corrected: float | None
    upper_p: float | None
    lower_p: float | None
    discrimination: float | None
    options: list[OptionStats]
    flags: list[str]


def score_summary(totals: FloatArray, passed: BoolArray) -> ScoreSummary:
    """Mean, median, min, max, SD (divisor N−1) of the totals, and the pass count."""
    n = int(totals.size)
    pass_count = int(np.count_nonzero(passed))
    if n == 0:
        return ScoreSummary(0, None, None, None, None, None, pass_count, None)
    sd = _finite(float(np.std(totals, ddof=1))) if n >= 2 else None
    return ScoreSummary(
        n=n,
        mean=_finite(float(np.mean(totals))),
        median=_finite(float(np.median(totals))),
        min=float(np.min(totals)),
        max=float(np.max(totals)),
        sd=sd,
        pass_count=pass_count,
        pass_rate=pass_count / n,
    )


def histogram(totals: IntArray, top: int, bins: int = HISTOGRAM_BINS) -> list[Bin]:
    """Equal-width bins of ``top / bins`` from 0 to ``top`` (the maximum score).

    The bins are always there, even empty, so histograms of one exam compare. Totals
    below 0 (negative marking) or above ``top`` (a manual score) get further bins of the
    same width. Integer arithmetic: a total on a bin edge always lands in the same bin.
    """
    if top <= 0:
        raise ValueError("histogram needs a positive top score")
    index = np.floor_divide(totals.astype(np.int64) * bins, top)
    index = np.where(totals == top, bins - 1, index)
    low = min(0, int(index.min())) if index.size else 0
    high = max(bins - 1, int(index.max())) if index.size else bins - 1
    counts = np.bincount(index - low, minlength=high - low + 1)
    return [
        Bin(Fraction(j * top, bins), Fraction((j + 1) * top, bins), int(counts[j - low]))
        for j in range(low, high + 1)
    ]


def reliability(x: IntArray) -> Reliability:
    """KR-20 with its Feldt (1987) 95% interval, KR-21 and the SEM, from the 0/1 matrix."""
    n, k = (int(d) for d in x.shape)
    if n < 2 or k < 2:
        return Reliability(None, None, None, None)
    t = x.sum(axis=1, dtype=np.int64)
    sum_t = int(t.sum())
    # n² · var_N(T) and n² · Σ p_i q_i, as exact integers.
    var_n2 = n * int(np.dot(t, t)) - sum_t * sum_t
    if var_n2 == 0:
        return Reliability(None, None, None, None)
    col = x.sum(axis=0, dtype=np.int64)
    pq_n2 = int(n * col.sum() - np.dot(col, col))
    kr20_exact = Fraction(k, k - 1) * (1 - Fraction(pq_n2, var_n2))
    kr20 = float(kr20_exact)
    df1, df2 = n - 1, (n - 1) * (k - 1)
    # Imported here: SciPy adds ~70 MB to every server process that loads it, and only
    # results need it, never ingest (B7's server half).
    from scipy.special import fdtri  # the F distribution's quantile (stats.f.ppf)

    f_upper = float(fdtri(df1, df2, 0.975))
    f_lower = float(fdtri(df1, df2, 0.025))
    ci = (1 - (1 - kr20) * f_upper, 1 - (1 - kr20) * f_lower)
    mean_t = Fraction(sum_t, n)
    kr21 = Fraction(k, k - 1) * (1 - mean_t * (k - mean_t) * n * n / (k * var_n2))
    sd_t = math.sqrt(var_n2 / (n * (n - 1)))
    sem = sd_t * math.sqrt(float(1 - kr20_exact))
    return Reliability(kr20, ci if all(map(math.isfinite, ci)) else None, float(kr21), sem)


def group_size(n: int) -> int:
    """``round_half_up(0.27 · n)``, exactly."""
    return (GROUP_PERCENT * n + 50) // 100


@dataclass(frozen=True)
class Group:
    """An upper or lower 27% group: the attempts strictly inside it count 1, and the
    attempts tied at the boundary score share the places left with equal weight, so the
    group depends only on the scores, never on the row order."""

    inside: BoolArray  # per attempt
    tied: BoolArray  # per attempt
    share: Fraction  # weight of each tied attempt
    size: int

    def proportions(self, scores: IntArray) -> FloatArray:
        """Σ_j weight_j · scores_jc / size for every column, from exact integer counts."""
        if self.size == 0:
            return np.full(scores.shape[1], np.nan)
        # Column sums over the selected rows: a quarter of the rows each, no products.
        full = scores[self.inside].sum(axis=0, dtype=np.int64)
        tied = scores[self.tied].sum(axis=0, dtype=np.int64)
        pairs = zip(full.tolist(), tied.tolist(), strict=True)
        return np.array([float((f + self.share * t) / self.size) for f, t in pairs])


def groups(t: IntArray) -> tuple[Group, Group]:
    """The upper and lower 27% groups by number-correct score ``t``."""
    n = int(t.size)
    size = group_size(n)
    if size == 0:
        empty = np.zeros(n, dtype=np.bool_)
        return Group(empty, empty, Fraction(0), 0), Group(empty, empty, Fraction(0), 0)
    ordered = np.sort(t)
    upper = _group(t > ordered[n - size], t == ordered[n - size], size)
    lower = _group(t < ordered[size - 1], t == ordered[size - 1], size)
    return upper, lower


def _group(inside: BoolArray, tied: BoolArray, size: int) -> Group:
    left = size - int(np.count_nonzero(inside))
    share = Fraction(left, int(np.count_nonzero(tied)))
    return Group(inside, tied, share, size)


def item_scores(choices: IntArray, key_masks: IntArray) -> IntArray:
    """``x_ij``: 1 when the chosen set equals the key set (omitted: mask 0, never a key)."""
    same: BoolArray = np.equal(choices, key_masks[np.newaxis, :])
    return same.astype(np.int64)


def item_statistics(
    x: IntArray, choices: IntArray, options: Sequence[Sequence[OptionSpec]]
) -> list[ItemStats]:
    """Difficulty, point-biserials, 27% groups, option analysis and flags of every item."""
    n, k = (int(d) for d in x.shape)
    t = x.sum(axis=1, dtype=np.int64)
    p = _ratio(x.sum(axis=0, dtype=np.int64), n)
    r, r_corrected = _point_biserials(x, t)
    upper, lower = groups(t)
    upper_p, lower_p = upper.proportions(x), lower.proportions(x)
    bits = sorted({spec.bit for specs in options for spec in specs})
    tables = {bit: _option_table(choices, bit, n, upper, lower) for bit in bits}
    items = []
    for i in range(k):
        option_stats = [
            OptionStats(
                label=spec.label,
                is_key=spec.is_key,
                count=int(tables[spec.bit][0][i]),
                proportion=_at(tables[spec.bit][1], i),
                upper_proportion=_at(tables[spec.bit][2], i),
                lower_proportion=_at(tables[spec.bit][3], i),
            )
            for spec in options[i]
        ]
        up, low = _at(upper_p, i), _at(lower_p, i)
        item = ItemStats(
            p=_at(p, i),
            point_biserial=_at(r, i),
            point_biserial_corrected=_at(r_corrected, i),
            upper_p=up,
            lower_p=low,
            discrimination=None if up is None or low is None else up - low,
            options=option_stats,
            flags=[],
        )
        items.append(_with_flags(item))
    return items


def _option_table(
    choices: IntArray, bit: int, n: int, upper: Group, lower: Group
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """Per item: how many chose the option, and the proportions overall and per group."""
    chosen = (np.right_shift(choices, bit) & 1).astype(np.int64)
    count = chosen.sum(axis=0)
    return count, _ratio(count, n), upper.proportions(chosen), lower.proportions(chosen)


def _point_biserials(x: IntArray, t: IntArray) -> tuple[FloatArray, FloatArray]:
    """Pearson r(x_i, T) and r(x_i, T − x_i) for every item, from exact integer sums."""
    n = int(t.size)
    sx = x.sum(axis=0, dtype=np.int64)
    sxt = t @ x  # Σ_j x_ij T_j
    st, stt = int(t.sum()), int(np.dot(t, t))
    var_x = n * sx - sx * sx  # x² = x for 0/1 scores
    var_t = n * stt - st * st
    cov_t = n * sxt - sx * st
    r = _pearson(cov_t, var_x, np.full_like(var_x, var_t))
    # R = T − x: ΣR = st − sx, ΣR² = stt − 2·sxt + sx, Σx·R = sxt − sx.
    sr = st - sx
    var_r = n * (stt - 2 * sxt + sx) - sr * sr
    cov_r = n * (sxt - sx) - sx * sr
    return r, _pearson(cov_r, var_x, var_r)


def _pearson(cov: IntArray, var_a: IntArray, var_b: IntArray) -> FloatArray:
    defined = (var_a > 0) & (var_b > 0)
    denominator = np.sqrt(np.where(defined, var_a, 1).astype(np.float64)) * np.sqrt(
        np.where(defined, var_b, 1).astype(np.float64)
    )
    r = np.clip(cov.astype(np.float64) / denominator, -1.0, 1.0)
    return np.where(defined, r, np.nan)


def _ratio(numerator: IntArray, denominator: int) -> FloatArray:
    if denominator == 0:
        return np.full(np.shape(numerator), np.nan)
    return numerator.astype(np.float64) / denominator


def _at(values: FloatArray, i: int) -> float | None:
    return _finite(float(values[i]))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _with_flags(item: ItemStats) -> ItemStats:
    flags = []
    if item.p is not None and item.p < TOO_HARD_BELOW:
        flags.append("too_hard")
    if item.p is not None and item.p > TOO_EASY_ABOVE:
        flags.append("too_easy")
    corrected = item.point_biserial_corrected
    if corrected is not None and corrected < LOW_DISCRIMINATION_BELOW:
        flags.append("low_discrimination")
    if corrected is not None and corrected < 0 and _distractor_favours_upper(item.options):
        flags.append("possible_miskey")
    item.flags.extend(flags)
    return item


def _distractor_favours_upper(options: Sequence[OptionStats]) -> bool:
    return any(
        not option.is_key
        and option.upper_proportion is not None
        and option.lower_proportion is not None
        and option.upper_proportion > option.lower_proportion
        for option in options
    )
