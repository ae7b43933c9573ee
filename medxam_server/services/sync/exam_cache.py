"""Exam questions for the batches of this process, read once per exam version.

Two stages need an attempt's exam questions: the checks (is the question in the exam,
are the options its own) and the fold (scoring). They share one ``ExamCache`` per batch,
in its own module so that the checks need not import the fold. Every change to an exam
or one of its questions bumps the exam's version, so a cached entry never goes stale:
per batch only the version is read, once per exam.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from medxam_server.db import dialect
from medxam_server.models import Delivery, Exam
from medxam_server.rules.answers import QuestionInfo
from medxam_server.services.attempts.exam_questions import load_exam_questions

# Exam questions by (exam id, version), shared by the batches of this process.
_LOADED: dict[tuple[str, int], Mapping[str, QuestionInfo]] = {}
MAX_LOADED_EXAMS = 64


@dataclass
class ExamCache:
    """Exam questions for one batch: the version is read once per exam and batch, the
    questions only when this process has not loaded that version yet."""

    session: Session
    exams: dict[str, Mapping[str, QuestionInfo]] = field(default_factory=dict)
    delivery_exams: dict[str, str] = field(default_factory=dict)  # delivery id -> exam id

    def questions(self, exam_id: str) -> Mapping[str, QuestionInfo]:
        found = self.exams.get(exam_id)
        if found is None:
            version = self.session.connection().scalar(
                select(Exam.version).where(Exam.id == exam_id)
            )
            key = (exam_id, version or 0)
            found = _LOADED.get(key)
            if found is None:
                found = load_exam_questions(self.session, exam_id)
                while len(_LOADED) >= MAX_LOADED_EXAMS:
                    _LOADED.pop(next(iter(_LOADED)), None)
                _LOADED[key] = found
            self.exams[exam_id] = found
        return found

    def exams_of(self, delivery_ids: set[str]) -> dict[str, str]:
        """Delivery id -> exam id for ``delivery_ids`` that exist; the checks already
        read those of the batch's starts, so this reads only the others (one query)."""
        unread = sorted(delivery_ids - set(self.delivery_exams))
        if unread:
            query = dialect.statement_for(self.session, _exams_of_deliveries)
            for did, exam in self.session.connection().execute(query, {"ids": unread}):
                self.delivery_exams[str(did)] = str(exam)
        return self.delivery_exams


def _exams_of_deliveries(postgres: bool) -> Executable:
    return select(Delivery.id, Delivery.exam_id).where(dialect.any_of(Delivery.id, "ids", postgres))
