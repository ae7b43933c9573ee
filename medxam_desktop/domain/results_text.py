"""The console's words and number formats for results (stdlib only, shared by pages)."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

FLAG_WORDS: dict[str, str] = {
    "too_hard": "Too hard (p < 0.20)",
    "too_easy": "Too easy (p > 0.90)",
    "low_discrimination": "Low discrimination (corrected r < 0.10)",
    "possible_miskey": "Possible miskey: check the key",
}

STATUS_WORDS: dict[str, str] = {
    "in_progress": "In progress",
    "finished": "Finished",
    "terminated": "Terminated",
}

INTEGRITY_WORDS: dict[str, str] = {
    "complete": "Complete",
    "incomplete": "Records missing",
    "unverified": "Not verified",
}

EVENT_WORDS: dict[str, str] = {
    "attempt.started": "Started",
    "attempt.paused": "Paused",
    "attempt.resumed": "Resumed",
    "attempt.time_extended": "Time extended",
    "attempt.incident": "Incident",
    "attempt.terminated": "Terminated",
    "attempt.finished": "Finished",
    "score.overridden": "Score changed",
}

DASH = "—"


def format_points(value: Decimal | None) -> str:
    """``41.5``, ``12``, ``0.333333``: no trailing zeros, no exponent; ``—`` for none."""
    if value is None:
        return DASH
    text = format(value.normalize(), "f") if value != 0 else "0"
    return text


def format_stat(value: Decimal | None, *, places: int = 2) -> str:
    """A statistic in points (mean, SD, SEM…): at most ``places`` decimals, ``6.75``,
    ``11.33``, ``12``; ``—`` for undefined."""
    if value is None:
        return DASH
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format_points(rounded)


def format_percent(value: Decimal | float | None, *, places: int = 1) -> str:
    if value is None:
        return DASH
    return f"{float(value):.{places}f} %"


def format_ratio(value: float | None, *, places: int = 2) -> str:
    """p, r, KR-20…: fixed places, a real minus sign kept; ``—`` for undefined."""
    if value is None:
        return DASH
    return f"{value:.{places}f}"


def format_rate(value: float | None) -> str:
    """A proportion in [0, 1] as a percentage."""
    return DASH if value is None else f"{100 * value:.1f} %"


def format_time(moment: datetime | None, *, with_date: bool = True) -> str:
    """Local time, as people read it (the console runs where the admin is)."""
    if moment is None:
        return DASH
    local = moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


def flag_words(flags: tuple[str, ...]) -> str:
    return "; ".join(FLAG_WORDS.get(f, f.replace("_", " ")) for f in flags)


def status_words(status: str) -> str:
    return STATUS_WORDS.get(status, status.replace("_", " ").capitalize())


def integrity_words(integrity: str) -> str:
    return INTEGRITY_WORDS.get(integrity, integrity.capitalize())


def event_words(kind: str) -> str:
    return EVENT_WORDS.get(kind, kind)


def passed_words(passed: bool | None) -> str:
    return DASH if passed is None else ("Pass" if passed else "Fail")
