"""The one output format of every benchmark (see QUALITY.md)."""

from __future__ import annotations


def line(bench_id: str, figures: dict[str, float | int | str], target: str, passed: bool) -> str:
    """``B4 name=value ... target="..." PASS``."""
    pairs = " ".join(f"{name}={_format(value)}" for name, value in figures.items())
    return f'{bench_id} {pairs} target="{target}" {"PASS" if passed else "FAIL"}'


def _format(value: float | int | str) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"
    return str(value)
