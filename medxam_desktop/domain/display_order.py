"""The order one attempt shows its questions and options in, and the letters on screen.

With ``shuffle_questions`` each attempt sees the questions in its own order; with
``shuffle_options`` each question's options in their own order. The order is derived
from the attempt id alone and never stored: every item is ranked by a SHA-256 of the
attempt id, what is being ordered and the item's id, so a crash, a restart, a proctor's
pause and resume (or another workstation) show an attempt exactly the same order, while
another attempt gets its own. (SHA-256 rather than ``random.shuffle``: Python does not
promise that shuffle's output for a seed stays the same across versions.)

On screen, shuffled options are lettered A, B, C… in the order shown; unshuffled ones keep
the labels the package gives them. An answer always records the options' own labels,
which the server scores, whatever letters the candidate saw.
"""

from __future__ import annotations

import hashlib
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from medxam_desktop.domain.content import ExamContent, Question

LETTERS = string.ascii_uppercase


@dataclass(frozen=True, slots=True)
class ShownOption:
    letter: str  # what the candidate reads: "A", "B", … in the order shown when shuffled
    label: str  # the option's own label: what an answer records
    text: str


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """A question as this attempt shows it: its options in the order on screen."""

    question: Question  # as the package has it (options in the package's order)
    options: tuple[ShownOption, ...]  # in the order on screen

    @property
    def id(self) -> str:
        return self.question.id

    def label_for_key(self, index: int) -> str | None:
        """The label the ``index``-th letter key (A is 0) chooses: the option shown with
        that letter, else the ``index``-th option on screen; ``None`` past the last."""
        if 0 <= index < len(LETTERS):
            letter = LETTERS[index]
            for option in self.options:
                if option.letter == letter:
                    return option.label
        return self.options[index].label if 0 <= index < len(self.options) else None


def shown_order(attempt_id: str, scope: str, keys: Sequence[str]) -> tuple[int, ...]:
    """The indices of ``keys`` in the order this attempt shows them (a permutation).

    Each key's rank depends only on the attempt, the scope and the key itself, so the
    order is the same every time it is asked, whatever order the keys come in."""
    attempt = _canonical(attempt_id)

    def rank(index: int) -> tuple[bytes, int]:
        material = "\x00".join((attempt, scope, keys[index])).encode("utf-8")
        return hashlib.sha256(material).digest(), index

    return tuple(sorted(range(len(keys)), key=rank))


def arrange(content: ExamContent, attempt_id: str) -> tuple[ShownQuestion, ...]:
    """The exam as attempt ``attempt_id`` sees it, question by question in screen order."""
    questions = content.questions
    if content.shuffle_questions:
        order = shown_order(attempt_id, "questions", [q.id for q in questions])
        questions = tuple(questions[i] for i in order)
    return tuple(_shown(q, attempt_id, shuffle=content.shuffle_options) for q in questions)


def _shown(question: Question, attempt_id: str, *, shuffle: bool) -> ShownQuestion:
    if not shuffle:
        options = tuple(ShownOption(o.label, o.label, o.text) for o in question.options)
        return ShownQuestion(question, options)
    order = shown_order(attempt_id, f"options\x00{question.id}", question.labels)
    options = tuple(
        ShownOption(_letter(position), question.options[i].label, question.options[i].text)
        for position, i in enumerate(order)
    )
    return ShownQuestion(question, options)


def _letter(position: int) -> str:
    return LETTERS[position] if position < len(LETTERS) else str(position + 1)


def _canonical(attempt_id: str) -> str:
    """A UUID in its one canonical spelling (case and braces never change the order)."""
    try:
        return str(uuid.UUID(attempt_id))
    except ValueError:
        return attempt_id
