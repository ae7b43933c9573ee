"""A delivery's results: the attempts list, score statistics and item analysis.

Totals come from the attempts table (``score_units − penalty_units``), so a manual score
shows at once; item scores come from the stored answers compared with the current keys
(``answer_matrix``). Statistics use the finished attempts only; terminated attempts are
listed with their scores and left out; attempts in progress are counted.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from medxam_server.models import Attempt, Delivery, Exam, ExamQuestion, Question, Taker
from medxam_server.rules import item_analysis as analysis
from medxam_server.rules.points import UNITS_PER_POINT, from_units
from medxam_server.services.errors import NotFound
from medxam_server.services.results.answer_matrix import label_bit_map, load_choices, mask_of

log = logging.getLogger(__name__)

FINISHED = "finished"
IN_PROGRESS = "in_progress"
TERMINATED = "terminated"


@dataclass(frozen=True)
class ItemRow:
    question_id: str
    position: int
    type: str
    labels: list[str]
    key: list[str]
    points_units: int


class AttemptRow(NamedTuple):
    """One attempt of the delivery (a tuple: there are thousands of them). ``receipt_code``
    is the one the batch sync returned when the attempt's ``attempt.finished`` arrived (kept
    with the attempt; API.md rule 6), None without a finish record."""

    attempt_id: str
    taker_id: str
    candidate_number: str
    full_name: str
    status: str
    score_units: int | None
    penalty_units: int | None
    max_score_units: int
    finished_at: datetime | None
    integrity: str
    receipt_code: str | None

    @property
    def scored(self) -> bool:
        """Finished and terminated attempts are scored on what they hold (none = 0)."""
        return self.status != IN_PROGRESS

    @property
    def total_units(self) -> int:
        return (self.score_units or 0) - (self.penalty_units or 0)


def delivery_results(session: Session, *, delivery_id: str) -> dict[str, Any]:
    """The results summary of API.md for one delivery; ``NotFound`` if there is none."""
    try:
        delivery = session.get(Delivery, str(uuid.UUID(delivery_id)))
    except ValueError:
        delivery = None  # a malformed id names no delivery
    if delivery is None:
        raise NotFound("There is no such delivery.")
    exam = session.get(Exam, delivery.exam_id)
    assert exam is not None  # a foreign key with ON DELETE RESTRICT
    items = _items(session, exam.id)
    attempts = _attempts(session, delivery.id)
    max_units = sum(item.points_units for item in items)
    finished = [a for a in attempts if a.status == FINISHED]

    label_bits, stored_masks = label_bit_map([item.labels for item in items])
    choices = load_choices(
        session,
        delivery_id=delivery.id,
        exam_id=exam.id,
        attempt_ids=[a.attempt_id for a in finished],
        question_ids=[item.question_id for item in items],
        positions=[item.position for item in items],
        label_bits=label_bits,
        stored_masks=stored_masks,
    )
    key_masks = np.array([mask_of(item.key, label_bits) for item in items], dtype=np.int64)
    x = analysis.item_scores(choices, key_masks)
    totals = np.array([a.total_units for a in finished], dtype=np.int64)
    passed = totals >= exam.pass_score_units
    summary = analysis.score_summary(totals.astype(np.float64) / UNITS_PER_POINT, passed)
    reliability = analysis.reliability(x)
    bins = analysis.histogram(totals, max_units if max_units > 0 else UNITS_PER_POINT)
    option_specs = [
        [analysis.OptionSpec(label, label_bits[label], label in item.key) for label in item.labels]
        for item in items
    ]
    item_stats = analysis.item_statistics(x, choices, option_specs)
    log.info("results of delivery %s: %d finished attempts", delivery.id, len(finished))
    return {
        "delivery_id": delivery.id,
        "exam_id": exam.id,
        "title": delivery.title,
        "summary": {
            "n": summary.n,
            "in_progress": sum(a.status == IN_PROGRESS for a in attempts),
            "terminated": sum(a.status == TERMINATED for a in attempts),
            "total_attempts": len(attempts),
            "item_count": len(items),
            "max_score": from_units(max_units),
            "mean": summary.mean,
            "median": summary.median,
            "min": summary.min,
            "max": summary.max,
            "sd": summary.sd,
            "pass_score": from_units(exam.pass_score_units),
            "pass_count": summary.pass_count,
            "pass_rate": summary.pass_rate,
            "kr20": reliability.kr20,
            "kr20_ci95": list(reliability.kr20_ci95) if reliability.kr20_ci95 else None,
            "kr21": reliability.kr21,
            "sem": reliability.sem,
            "histogram": [
                {
                    "from": float(round(b.start / UNITS_PER_POINT, 6)),
                    "to": float(round(b.end / UNITS_PER_POINT, 6)),
                    "count": b.count,
                }
                for b in bins
            ],
        },
        "items": [
            _item_json(item, stats, omitted)
            for item, stats, omitted in zip(
                items, item_stats, (choices == 0).sum(axis=0).tolist(), strict=True
            )
        ],
        "attempts": [_attempt_json(a, max_units, exam.pass_score_units) for a in attempts],
    }


def _items(session: Session, exam_id: str) -> list[ItemRow]:
    rows = session.execute(
        select(
            Question.id,
            ExamQuestion.position,
            Question.type,
            Question.options,
            Question.key,
            Question.points_units,
        )
        .join(ExamQuestion, ExamQuestion.question_id == Question.id)
        .where(ExamQuestion.exam_id == exam_id)
        .order_by(ExamQuestion.position)
    ).all()
    return [
        ItemRow(
            question_id=str(qid),
            position=position,
            type=kind,
            labels=[option["label"] for option in options],
            key=list(key),
            points_units=points,
        )
        for qid, position, kind, options, key, points in rows
    ]


def _attempts(session: Session, delivery_id: str) -> list[AttemptRow]:
    # Core, not ORM: plain rows, no identity map for thousands of attempts.
    rows = (
        session.connection()
        .execute(
            select(
                Attempt.id,
                Attempt.taker_id,
                Taker.candidate_number,
                Taker.full_name,
                Attempt.status,
                Attempt.score_units,
                Attempt.penalty_units,
                Attempt.max_score_units,
                Attempt.finished_at,
                Attempt.integrity,
                Attempt.receipt_code,
            )
            .join(Taker, Taker.id == Attempt.taker_id)
            .where(Attempt.delivery_id == delivery_id)
            .order_by(Taker.candidate_number, Attempt.started_at, Attempt.id)
        )
        .all()
    )
    return [AttemptRow._make(row) for row in rows]


def _item_json(item: ItemRow, stats: analysis.ItemStats, omitted: int) -> dict[str, Any]:
    return {
        "question_id": item.question_id,
        "position": item.position,
        "type": item.type,
        "key": item.key,
        "omitted": int(omitted),
        "p": stats.p,
        "point_biserial": stats.point_biserial,
        "point_biserial_corrected": stats.point_biserial_corrected,
        "upper_p": stats.upper_p,
        "lower_p": stats.lower_p,
        "discrimination": stats.discrimination,
        "options": [
            {
                "label": option.label,
                "is_key": option.is_key,
                "count": option.count,
                "proportion": option.proportion,
                "upper_proportion": option.upper_proportion,
                "lower_proportion": option.lower_proportion,
            }
            for option in stats.options
        ],
        "flags": stats.flags,
    }


def _attempt_json(attempt: AttemptRow, exam_max_units: int, pass_units: int) -> dict[str, Any]:
    scored = attempt.scored
    total = attempt.total_units
    max_units = attempt.max_score_units or exam_max_units
    percent = None
    if scored and max_units > 0:
        percent = round(100 * total / max_units, 4)
    return {
        "attempt_id": attempt.attempt_id,
        "taker_id": attempt.taker_id,
        "candidate_number": attempt.candidate_number,
        "full_name": attempt.full_name,
        "status": attempt.status,
        "score": from_units(attempt.score_units or 0) if scored else None,
        "penalty": from_units(attempt.penalty_units or 0) if scored else None,
        "total": from_units(total) if scored else None,
        "percent": percent,
        "passed": total >= pass_units if scored else None,
        "finished_at": attempt.finished_at,
        "integrity": attempt.integrity,
        "receipt_code": attempt.receipt_code,
    }
