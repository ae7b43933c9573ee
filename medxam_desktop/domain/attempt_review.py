"""One attempt as an admin reviews it on the server: its answers, its lifecycle events,
its score and the history of manual overrides, and what a receipt code stands for.

Same conventions as ``domain/results.py``: points are ``Decimal``, times aware UTC, and
``from_json`` raises ``ResultsFormatError`` for a shape docs/api.md does not describe.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from medxam_desktop.domain.results import (
    ResultsFormatError,
    optional_points,
    optional_text,
    optional_time,
    points,
    utc_time,
)


@dataclass(frozen=True, slots=True)
class ServerAttempt:
    """``GET``/``PUT /api/attempts/{id}…``: the attempt and its current score."""

    id: str
    delivery_id: str
    exam_id: str
    taker_id: str
    workstation_id: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    score: Decimal | None
    penalty: Decimal | None
    total: Decimal | None
    max_score: Decimal
    percent: Decimal | None
    passed: bool | None
    score_source: str  # auto | manual
    integrity: str
    receipt_code: str | None = None  # null without a synced finish (and for proctors)

    @classmethod
    def from_json(cls, raw: Any) -> ServerAttempt:
        try:
            passed = raw.get("passed")
            return cls(
                id=str(raw["id"]),
                delivery_id=str(raw["delivery_id"]),
                exam_id=str(raw["exam_id"]),
                taker_id=str(raw["taker_id"]),
                workstation_id=optional_text(raw.get("workstation_id")),
                status=str(raw["status"]),
                started_at=utc_time(raw["started_at"]),
                finished_at=optional_time(raw.get("finished_at")),
                score=optional_points(raw.get("score")),
                penalty=optional_points(raw.get("penalty")),
                total=optional_points(raw.get("total")),
                max_score=points(raw["max_score"]),
                percent=optional_points(raw.get("percent")),
                passed=None if passed is None else bool(passed),
                score_source=str(raw.get("score_source") or "auto"),
                integrity=str(raw.get("integrity") or "unverified"),
                receipt_code=optional_text(raw.get("receipt_code")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"an attempt: {exc}") from exc


@dataclass(frozen=True, slots=True)
class AttemptAnswer:
    """One answered (or cleared, or only timed) question; ``is_correct`` and
    ``points_awarded`` are the admin's view (``None`` for an omitted question)."""

    question_id: str
    position: int
    answer: tuple[str, ...]
    time_spent_ms: int
    answered_at: datetime | None
    flagged: bool
    is_correct: bool | None
    points_awarded: Decimal | None

    @classmethod
    def from_json(cls, raw: Any) -> AttemptAnswer:
        try:
            correct = raw.get("is_correct")
            return cls(
                question_id=str(raw["question_id"]),
                position=int(raw["position"]),
                answer=tuple(str(a) for a in raw["answer"]),
                time_spent_ms=int(raw["time_spent_ms"]),
                answered_at=optional_time(raw.get("answered_at")),
                flagged=bool(raw.get("flagged", False)),
                is_correct=None if correct is None else bool(correct),
                points_awarded=optional_points(raw.get("points_awarded")),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"an answer: {exc}") from exc


@dataclass(frozen=True, slots=True)
class AttemptEvent:
    """One step of the attempt's lifecycle (``GET /api/attempts/{id}/events``):
    attempt.started/paused/resumed/time_extended/incident/terminated/finished and
    score.overridden. ``seq`` and ``received_at`` are ``None`` for what happened online."""

    seq: int | None
    kind: str
    at: datetime
    received_at: datetime | None
    workstation_id: str | None
    by: str | None
    by_name: str | None
    question_id: str | None
    data: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def from_json(cls, raw: Any) -> AttemptEvent:
        try:
            seq = raw.get("seq")
            data = raw.get("data") or {}
            return cls(
                seq=None if seq is None else int(seq),
                kind=str(raw["kind"]),
                at=utc_time(raw["at"]),
                received_at=optional_time(raw.get("received_at")),
                workstation_id=optional_text(raw.get("workstation_id")),
                by=optional_text(raw.get("by")),
                by_name=optional_text(raw.get("by_name")),
                question_id=optional_text(raw.get("question_id")),
                data=dict(data) if isinstance(data, dict) else {},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"an event: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ScoreChange:
    """One manual override (``GET /api/attempts/{id}/score-history``)."""

    changed_at: datetime
    changed_by: str | None
    changed_by_name: str | None
    old_score: Decimal | None
    old_penalty: Decimal | None
    new_score: Decimal | None
    new_penalty: Decimal | None
    reason: str

    @classmethod
    def from_json(cls, raw: Any) -> ScoreChange:
        try:
            return cls(
                changed_at=utc_time(raw["changed_at"]),
                changed_by=optional_text(raw.get("changed_by")),
                changed_by_name=optional_text(raw.get("changed_by_name")),
                old_score=optional_points(raw.get("old_score")),
                old_penalty=optional_points(raw.get("old_penalty")),
                new_score=optional_points(raw.get("new_score")),
                new_penalty=optional_points(raw.get("new_penalty")),
                reason=str(raw.get("reason") or ""),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"a score change: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ReceiptCheck:
    """What the server holds for a receipt code (``GET /api/receipts/{code}``)."""

    code: str
    attempt_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    delivery_id: str
    delivery_title: str
    exam_id: str
    record_count: int | None
    digest: str | None
    finished_at: datetime | None
    integrity: str

    @classmethod
    def from_json(cls, raw: Any, *, code: str) -> ReceiptCheck:
        try:
            taker, delivery = raw["taker"], raw["delivery"]
            count = raw.get("record_count")
            return cls(
                code=code,
                attempt_id=str(raw["attempt_id"]),
                taker_id=str(taker["id"]),
                candidate_number=str(taker["candidate_number"]),
                full_name=str(taker["full_name"]),
                delivery_id=str(delivery["id"]),
                delivery_title=str(delivery["title"]),
                exam_id=str(delivery["exam_id"]),
                record_count=None if count is None else int(count),
                digest=optional_text(raw.get("digest")),
                finished_at=optional_time(raw.get("finished_at")),
                integrity=str(raw.get("integrity") or "unverified"),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ResultsFormatError(f"a receipt: {exc}") from exc
