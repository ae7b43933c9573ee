"""Answer rows for new records of a running attempt, part of the apply stage: the
attempt is not rebuilt; each question's row carries the batch's highest-``seq`` answer
and time, and the upsert keeps whichever ``seq`` is higher, stored or new (API.md
rule 3), so batches may arrive in any order.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from medxam_server.rules.fold import Fact, answer_effect
from medxam_server.services.sync.answer_rows import mask
from medxam_server.services.sync.attempt_rows import AttemptRow
from medxam_server.services.sync.exam_cache import ExamCache


def incremental_rows(
    attempt: AttemptRow,
    records: Iterable[Fact],
    *,
    end_seq: int | None,
    exams: ExamCache,
) -> list[dict[str, Any]]:
    """Answer rows to upsert for new records of a started attempt (no ending among them).

    Records after the attempt's end are ignored, as the fold ignores them; so are
    answers to an attempt ended online (it has no ending record to compare with).
    """
    if attempt.status != "in_progress" and end_seq is None:
        return []
    questions = exams.questions(attempt.exam_id)
    best: dict[str, dict[str, Any]] = {}
    for record in records:
        if end_seq is not None and record.seq > end_seq:
            continue
        effect = answer_effect(record, questions)
        if effect is None:
            continue
        question, answer, time_ms = effect
        row = best.get(question.question_id)
        if row is None:
            row = best[question.question_id] = {
                "attempt_id": attempt.id,
                "question_id": question.question_id,
                "position": question.position,
                "answer": [],
                "answer_mask": 0,
                "answered_at": None,
                "flagged": False,
                "answer_seq": 0,
                "time_spent_ms": 0,
                "time_seq": 0,
            }
        if answer is not None and record.seq > row["answer_seq"]:
            row.update(
                answer=answer,
                answer_mask=mask(answer),
                answered_at=record.at,
                flagged=bool(record.data.get("flagged", False)),
                answer_seq=record.seq,
            )
        if time_ms is not None and record.seq > row["time_seq"]:
            row.update(time_spent_ms=time_ms, time_seq=record.seq)
    return list(best.values())
