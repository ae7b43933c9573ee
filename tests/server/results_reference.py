"""A straightforward pure-Python reference of API.md "Results summary", for the tests.

Written from the formulas, independently of ``medxam_server.rules.item_analysis``: plain
loops, ``statistics`` and ``fractions``; a different formulation of the 27% tie rule
(each tie class gets the share of the ranked places 0..n_g−1 it overlaps).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from scipy import stats


@dataclass
class RefItem:
    p: float | None
    r: float | None
    r_corrected: float | None
    upper_p: float | None
    lower_p: float | None
    discrimination: float | None
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)


def score(answer: Sequence[str] | None, key: Sequence[str]) -> int:
    return 1 if answer and set(answer) == set(key) else 0


def pearson(a: Sequence[float], b: Sequence[float]) -> float | None:
    n = len(a)
    if n < 2:
        return None
    ma, mb = sum(a) / n, sum(b) / n
    saa = sum((v - ma) ** 2 for v in a)
    sbb = sum((v - mb) ** 2 for v in b)
    if saa == 0 or sbb == 0:
        return None
    sab = sum((u - ma) * (v - mb) for u, v in zip(a, b, strict=True))
    return sab / math.sqrt(saa * sbb)


def group_weights(t: Sequence[int], upper: bool) -> tuple[list[Fraction], int]:
    """Weights by overlapping tie classes with the first n_g ranked places."""
    n = len(t)
    n_g = math.floor(Fraction(27, 100) * n + Fraction(1, 2))
    ranked = sorted(t, reverse=upper)
    weights = []
    for value in t:
        first = ranked.index(value)
        size = ranked.count(value)
        overlap = max(0, min(first + size, n_g) - first)
        weights.append(Fraction(overlap, size))
    return weights, n_g


def summary(totals: Sequence[float], pass_score: float) -> dict[str, Any]:
    n = len(totals)
    passed = sum(1 for v in totals if v >= pass_score - 1e-9)
    return {
        "n": n,
        "mean": statistics.fmean(totals) if n else None,
        "median": statistics.median(totals) if n else None,
        "min": min(totals) if n else None,
        "max": max(totals) if n else None,
        "sd": statistics.stdev(totals) if n >= 2 else None,
        "pass_count": passed,
        "pass_rate": passed / n if n else None,
    }


def reliability(x: Sequence[Sequence[int]]) -> dict[str, Any]:
    n = len(x)
    k = len(x[0]) if n else 0
    empty = {"kr20": None, "kr20_ci95": None, "kr21": None, "sem": None}
    if n < 2 or k < 2:
        return empty
    t = [sum(row) for row in x]
    var_t = statistics.pvariance(t)
    if var_t == 0:
        return empty
    p = [sum(row[i] for row in x) / n for i in range(k)]
    kr20 = k / (k - 1) * (1 - sum(pi * (1 - pi) for pi in p) / var_t)
    m = statistics.fmean(t)
    kr21 = k / (k - 1) * (1 - m * (k - m) / (k * var_t))
    df1, df2 = n - 1, (n - 1) * (k - 1)
    ci = [
        1 - (1 - kr20) * stats.f.ppf(0.975, df1, df2),
        1 - (1 - kr20) * stats.f.ppf(0.025, df1, df2),
    ]
    sem = statistics.stdev(t) * math.sqrt(max(0.0, 1 - kr20))
    return {"kr20": kr20, "kr20_ci95": ci, "kr21": kr21, "sem": sem}


def items(
    answers: Sequence[Sequence[Sequence[str] | None]],
    keys: Sequence[Sequence[str]],
    labels: Sequence[Sequence[str]],
) -> list[RefItem]:
    """Item statistics from each attempt's answers (rows) to each item (columns)."""
    n = len(answers)
    k = len(keys)
    x = [[score(row[i], keys[i]) for i in range(k)] for row in answers]
    t = [sum(row) for row in x]
    upper_w, n_g = group_weights(t, upper=True)
    lower_w, _ = group_weights(t, upper=False)
    result = []
    for i in range(k):
        xi = [row[i] for row in x]
        p = sum(xi) / n if n else None
        up = float(sum(w * v for w, v in zip(upper_w, xi, strict=True)) / n_g) if n_g else None
        lo = float(sum(w * v for w, v in zip(lower_w, xi, strict=True)) / n_g) if n_g else None
        item = RefItem(
            p=p,
            r=pearson(xi, t),
            r_corrected=pearson(xi, [a - b for a, b in zip(t, xi, strict=True)]),
            upper_p=up,
            lower_p=lo,
            discrimination=None if up is None or lo is None else up - lo,
        )
        for label in labels[i]:
            chose = [1 if row[i] and label in row[i] else 0 for row in answers]
            item.options[label] = {
                "is_key": label in keys[i],
                "count": sum(chose),
                "proportion": sum(chose) / n if n else None,
                "upper_proportion": (
                    float(sum(w * c for w, c in zip(upper_w, chose, strict=True)) / n_g)
                    if n_g
                    else None
                ),
                "lower_proportion": (
                    float(sum(w * c for w, c in zip(lower_w, chose, strict=True)) / n_g)
                    if n_g
                    else None
                ),
            }
        item.flags = flags(item)
        result.append(item)
    return result


def flags(item: RefItem) -> list[str]:
    found = []
    if item.p is not None and item.p < 0.20:
        found.append("too_hard")
    if item.p is not None and item.p > 0.90:
        found.append("too_easy")
    rc = item.r_corrected
    if rc is not None and rc < 0.10:
        found.append("low_discrimination")
    if rc is not None and rc < 0:
        for option in item.options.values():
            up, lo = option["upper_proportion"], option["lower_proportion"]
            if not option["is_key"] and up is not None and lo is not None and up > lo:
                found.append("possible_miskey")
                break
    return found


def close(actual: float | None, expected: float | None, tol: float = 1e-9) -> bool:
    if expected is None or actual is None:
        return actual is None and expected is None
    return math.isclose(actual, expected, rel_tol=tol, abs_tol=tol)
