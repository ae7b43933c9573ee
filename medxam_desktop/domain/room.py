"""The proctor's room view: every candidate of a delivery on this workstation, and the
rules of the proctor's actions on them (extend time, record an incident).

Pure rules and frozen views; the store fills them (store/room.py), the UI shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from medxam_desktop.domain.attempt import AttemptView

#: Incident categories, in the order the proctor's list shows them (id -> words).
INCIDENT_CATEGORIES: dict[str, str] = {
    "technical": "Technical problem",
    "identity": "Identity check",
    "misconduct": "Suspected misconduct",
    "illness": "Illness or first aid",
    "environment": "Room (noise, alarm, heat)",
    "other": "Other",
}
#: Categories the workstation records by itself (not offered in the list).
AUTOMATIC_CATEGORIES: dict[str, str] = {"window_closed": "Exam window closed"}

#: The total extra time one attempt can be given on this workstation. An extension is a
#: correction (a fire alarm, a broken mouse), never a second sitting: one hour covers the
#: incidents a proctor deals with; anything longer is a matter for the exam board.
MAX_EXTENSION_MINUTES = 60
#: Reasons and notes: plenty for plain words, well inside what the server keeps (4000).
MAX_REASON_CHARS = 500
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Incident:
    category: str
    note: str
    at: datetime  # wall clock, evidence only
    by: str | None = None

    @property
    def words(self) -> str:
        """ "Technical problem: mouse replaced"."""
        title = category_words(self.category)
        return f"{title}: {self.note}" if self.note else title


@dataclass(frozen=True, slots=True)
class RoomEntry:
    """One attempt as the room view shows it."""

    attempt: AttemptView
    last_saved_at: datetime | None = None
    incidents: tuple[Incident, ...] = ()


def category_words(category: str) -> str:
    return (
        INCIDENT_CATEGORIES.get(category)
        or AUTOMATIC_CATEGORIES.get(category)
        or category.replace("_", " ").capitalize()
    )


def extension_problem(minutes: int, reason: str, *, already_ms: int) -> str | None:
    """Plain words for what is wrong with an extension, or ``None`` when it may be given."""
    already = already_ms // 60_000
    if minutes <= 0:
        return "Give the extra time in whole minutes, at least 1."
    if already + minutes > MAX_EXTENSION_MINUTES:
        left = MAX_EXTENSION_MINUTES - already
        if left <= 0:
            return (
                f"This candidate already has {already} extra minutes, the most one attempt "
                "can be given on a workstation. Record an incident for the exam board instead."
            )
        return (
            f"At most {MAX_EXTENSION_MINUTES} extra minutes per attempt; this candidate "
            f"already has {already}, so at most {left} more can be given."
        )
    if not reason.strip():
        return "Say why the time is extended (it is kept with the extension)."
    if len(reason) > MAX_REASON_CHARS:
        return f"The reason is too long: at most {MAX_REASON_CHARS} characters."
    return None


def incident_problem(category: str, note: str) -> str | None:
    """Plain words for what is wrong with an incident, or ``None``."""
    if category not in INCIDENT_CATEGORIES:
        return "Choose what kind of incident it was."
    if category == "other" and not note.strip():
        return "Say what happened (for “Other” a note is needed)."
    if len(note) > MAX_NOTE_CHARS:
        return f"The note is too long: at most {MAX_NOTE_CHARS} characters."
    return None
