"""The exam as the candidate sees it: questions, options and media, never a key.

``parse_content`` reads the decrypted JSON of an offline package (see docs/api.md,
"The offline package"); anything malformed is a ``ContentError``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from medxam_desktop.errors import ContentError

QUESTION_TYPES = ("single", "multiple", "true_false")


@dataclass(frozen=True, slots=True)
class Option:
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    position: int
    type: str  # "single" | "multiple" | "true_false"
    stem: str  # Markdown, images as ![](media:NAME)
    options: tuple[Option, ...]

    @property
    def allows_several(self) -> bool:
        return self.type == "multiple"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(option.label for option in self.options)


@dataclass(frozen=True, slots=True)
class Media:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ExamContent:
    exam_id: str
    title: str
    description: str
    duration_minutes: int
    questions: tuple[Question, ...]  # in exam order
    media: Mapping[str, Media]
    shuffle_questions: bool = False
    shuffle_options: bool = False
    _by_id: Mapping[str, Question] = field(default_factory=dict, repr=False, compare=False)

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` if the exam has none."""
        found = self._by_id.get(question_id)
        if found is None:
            found = next(q for q in self.questions if q.id == question_id)
        return found


def parse_content(raw: bytes) -> ExamContent:
    """The decrypted package content, checked field by field."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContentError("the exam content is not valid UTF-8 JSON") from exc
    root = _object(document, "content")
    exam = _object(root.get("exam"), "exam")
    questions = tuple(
        sorted(
            (_question(item) for item in _list(root.get("questions"), "questions")),
            key=lambda q: q.position,
        )
    )
    ids = [q.id for q in questions]
    if len(set(ids)) != len(ids):
        raise ContentError("two questions share an id")
    media = {m.name: m for m in (_media(item) for item in _list(root.get("media", []), "media"))}
    return ExamContent(
        exam_id=_text(exam, "id"),
        title=_text(exam, "title"),
        description=_text(exam, "description", default=""),
        duration_minutes=_positive_int(exam, "duration_minutes"),
        questions=questions,
        media=MappingProxyType(media),
        shuffle_questions=bool(exam.get("shuffle_questions", False)),
        shuffle_options=bool(exam.get("shuffle_options", False)),
        _by_id=MappingProxyType({q.id: q for q in questions}),
    )


def _question(item: Any) -> Question:
    data = _object(item, "question")
    kind = _text(data, "type")
    if kind not in QUESTION_TYPES:
        raise ContentError(f"unknown question type {kind!r}")
    options = tuple(
        Option(label=_text(o, "label"), text=_text(o, "text", default=""))
        for o in (_object(x, "option") for x in _list(data.get("options"), "options"))
    )
    labels = [o.label for o in options]
    if not options or len(set(labels)) != len(labels):
        raise ContentError("a question needs options with distinct labels")
    position = data.get("position")
    if not isinstance(position, int) or isinstance(position, bool):
        raise ContentError("a question position must be an integer")
    return Question(
        id=_text(data, "id"),
        position=position,
        type=kind,
        stem=_text(data, "stem", default=""),
        options=options,
    )


def _media(item: Any) -> Media:
    data = _object(item, "media")
    try:
        payload = base64.b64decode(_text(data, "data", default=""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ContentError("a media item is not valid base64") from exc
    return Media(name=_text(data, "name"), content_type=_text(data, "content_type"), data=payload)


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{what} must be a JSON object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise ContentError(f"{what} must be a JSON list")
    return value


def _text(data: dict[str, Any], key: str, *, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise ContentError(f"{key!r} must be a non-empty string")
    return value


def _positive_int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ContentError(f"{key!r} must be a positive integer")
    return value
