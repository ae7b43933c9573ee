"""One attempt as the admin's drill-down shows it: the attempt with its candidate, exam
and delivery (``GET /api/attempts/{id}/details``), and everything the page fetched for
it in one background call (``AttemptReview``).

Same conventions as ``domain/results.py``: points ``Decimal``, times aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from medxam_desktop.domain.attempt_review import (
    AttemptAnswer,
    AttemptEvent,
    ScoreChange,
    ServerAttempt,
)
from medxam_desktop.domain.results import ResultsFormatError, points


@dataclass(frozen=True, slots=True)
class AttemptDetails:
    attempt: ServerAttempt
    candidate_number: str
    full_name: str
    delivery_title: str
    exam_title: str
    pass_score: Decimal

    @classmethod
    def from_json(cls, raw: Any) -> AttemptDetails:
        try:
            taker, exam, delivery = raw["taker"], raw["exam"], raw["delivery"]
            return cls(
                attempt=ServerAttempt.from_json(raw),
                candidate_number=str(taker["candidate_number"]),
                full_name=str(taker["full_name"]),
                delivery_title=str(delivery["title"]),
                exam_title=str(exam["title"]),
                pass_score=points(exam["pass_score"]),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"an attempt's details: {exc}") from exc


@dataclass(frozen=True, slots=True)
class AttemptReview:
    """What the attempt page shows, fetched together; ``receipt_code`` when known."""

    details: AttemptDetails
    answers: tuple[AttemptAnswer, ...]
    events: tuple[AttemptEvent, ...]
    history: tuple[ScoreChange, ...]
    receipt_code: str | None = None

    @property
    def attempt(self) -> ServerAttempt:
        return self.details.attempt

    @property
    def total_time_ms(self) -> int:
        return sum(a.time_spent_ms for a in self.answers)
