"""Proctors known on this workstation, the PIN rule and the wrong-PIN throttle.

A proctor sets a PIN while signed in online; later the PIN signs them in offline and
closes a candidate's exam window. The PIN itself is never kept: the store holds an
Argon2 hash (store/pin_hash.py). Pure rules here; the store applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8

#: Wrong PINs allowed before each further try has to wait.
FREE_TRIES = 5
FIRST_DELAY_S = 30
MAX_DELAY_S = 15 * 60

#: The throttle scope of the exam window's close, where any known proctor's PIN counts.
ANY_PROCTOR = "*"


@dataclass(frozen=True, slots=True)
class ProctorView:
    """A proctor who has a PIN on this workstation (never the PIN or its hash)."""

    user_id: str
    username: str
    full_name: str

    @property
    def label(self) -> str:
        """How a list of proctors shows one: "Pat Proctor (pat)"."""
        return f"{self.full_name} ({self.username})"


def pin_problem(pin: str) -> str | None:
    """Plain words for what is wrong with a new PIN, or ``None`` when it is acceptable."""
    if not pin:
        return f"Type a PIN of {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits."
    if not (pin.isascii() and pin.isdigit()):
        return "A PIN has digits only (0–9)."
    if len(pin) < PIN_MIN_DIGITS:
        return f"That PIN is too short: use at least {PIN_MIN_DIGITS} digits."
    if len(pin) > PIN_MAX_DIGITS:
        return f"That PIN is too long: use at most {PIN_MAX_DIGITS} digits."
    return None


def new_pin_problem(pin: str, again: str) -> str | None:
    """``pin_problem``, and the two entries must match."""
    problem = pin_problem(pin)
    if problem is not None:
        return problem
    if pin != again:
        return "The two PINs are not the same. Type the same PIN twice."
    return None


def delay_after(failures: int) -> int:
    """Seconds the next try must wait after ``failures`` wrong PINs in a row.

    None for the first ``FREE_TRIES``; then 30 s, doubling each time, at most 15 min."""
    if failures < FREE_TRIES:
        return 0
    return int(min(FIRST_DELAY_S * 2 ** (failures - FREE_TRIES), MAX_DELAY_S))


def wait_words(seconds: int) -> str:
    """ "45 seconds", "2 minutes" — how long the proctor has to wait."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
