"""Exact points: every score is an integer number of ``1/UNITS_PER_POINT`` points.

720720 is the least common multiple of 1..16, so any fraction with a denominator up to
16 (a third, a sixth, a seventh...) is an exact integer of units and sums never drift.
A number that is within 1e-6 of such a fraction (``0.3333333``) is taken as that
fraction; anything else is rounded to the nearest unit once, on the way in.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

UNITS_PER_POINT = 720720
_SNAP = Fraction(1, 1_000_000)


def to_units(value: float | int | str | Decimal | Fraction) -> int:
    """Points (as given over the API) to exact integer units."""
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    simple = exact.limit_denominator(16)
    if abs(simple - exact) <= _SNAP:
        exact = simple
    return round(exact * UNITS_PER_POINT)


def from_units(units: int) -> float:
    """Units back to points for JSON, rounded to 6 decimals (the sum stays exact)."""
    return round(units / UNITS_PER_POINT, 6)


def units_fraction(units: int) -> Fraction:
    return Fraction(units, UNITS_PER_POINT)
