"""The order an attempt shows its questions and options in: a permutation, the same every
time for one attempt, its own for each attempt, and answers in the options' own labels."""

from __future__ import annotations

import json
import random
import uuid

from hypothesis import given
from hypothesis import strategies as st

from medxam_desktop.domain.content import ExamContent, parse_content
from medxam_desktop.domain.display_order import arrange, shown_order
from tests.desktop.sample_exam import content_document

ATTEMPT = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
OTHER_ATTEMPT = "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"


def content(
    questions: int = 40, *, shuffle_questions: bool = True, shuffle_options: bool = True
) -> ExamContent:
    document = content_document(questions)
    document["exam"].update(shuffle_questions=shuffle_questions, shuffle_options=shuffle_options)
    return parse_content(json.dumps(document).encode("utf-8"))


def test_without_the_flags_the_exam_shows_as_the_package_has_it() -> None:
    exam = content(shuffle_questions=False, shuffle_options=False)
    shown = arrange(exam, ATTEMPT)
    assert [s.question for s in shown] == list(exam.questions)
    for s in shown:
        assert [(o.letter, o.label, o.text) for o in s.options] == [
            (o.label, o.label, o.text) for o in s.question.options
        ]


def test_shuffled_questions_are_a_permutation_of_their_own_for_each_attempt() -> None:
    exam = content(shuffle_options=False)
    ids = [q.id for q in exam.questions]
    first = [s.id for s in arrange(exam, ATTEMPT)]
    assert sorted(first) == sorted(ids) and first != ids
    assert [s.id for s in arrange(exam, ATTEMPT)] == first  # the same every time
    assert [s.id for s in arrange(content(shuffle_options=False), ATTEMPT)] == first
    assert [s.id for s in arrange(exam, OTHER_ATTEMPT)] != first
    orders = {tuple(s.id for s in arrange(exam, str(uuid.uuid4()))) for _ in range(50)}
    assert len(orders) == 50  # 40! orders: fifty attempts never share one
    for s in arrange(exam, ATTEMPT):  # options were not asked to move
        assert [o.label for o in s.options] == list(s.question.labels)


def test_shuffled_options_are_lettered_in_the_order_shown_and_keep_their_labels() -> None:
    exam = content(shuffle_questions=False)
    shown = arrange(exam, ATTEMPT)
    assert [s.question for s in shown] == list(exam.questions)  # questions stay put
    orders = set()
    for s in shown:
        assert [o.letter for o in s.options] == ["A", "B", "C", "D", "E"]
        assert sorted(o.label for o in s.options) == sorted(s.question.labels)
        assert all(o.text == f"Option {o.label}" for o in s.options)  # text follows its label
        orders.add(tuple(o.label for o in s.options))
    assert len(orders) > 1  # each question has its own order
    again = arrange(exam, ATTEMPT)
    assert [s.options for s in again] == [s.options for s in shown]
    other = arrange(exam, OTHER_ATTEMPT)
    assert [s.options for s in other] != [s.options for s in shown]


def test_the_spelling_of_the_attempt_uuid_does_not_change_the_order() -> None:
    exam = content()
    spellings = (ATTEMPT, ATTEMPT.upper(), "{" + ATTEMPT + "}", ATTEMPT.replace("-", ""))
    assert len({tuple(arrange(exam, spelling)) for spelling in spellings}) == 1


def test_a_letter_key_picks_the_option_shown_with_that_letter() -> None:
    exam = content(questions=10, shuffle_questions=False)
    for s in arrange(exam, ATTEMPT):
        assert [s.label_for_key(i) for i in range(5)] == [o.label for o in s.options]
        assert s.label_for_key(5) is None
    plain = arrange(content(questions=1, shuffle_options=False), ATTEMPT)[0]
    assert [plain.label_for_key(i) for i in range(6)] == ["A", "B", "C", "D", "E", None]


def test_unshuffled_labels_that_are_not_letters_keep_the_old_keys() -> None:
    document = content_document(1)
    document["questions"][0]["options"] = [
        {"label": "B", "text": "Second"},
        {"label": "A", "text": "First"},
        {"label": "x", "text": "Other"},
    ]
    [shown] = arrange(parse_content(json.dumps(document).encode()), ATTEMPT)
    assert [o.letter for o in shown.options] == ["B", "A", "x"]  # the package's labels
    assert shown.label_for_key(0) == "A"  # the key A chooses the option labelled A
    assert shown.label_for_key(2) == "x"  # no option C: the third one on screen


@given(
    attempt=st.uuids().map(str),
    scope=st.text(max_size=20),
    keys=st.lists(st.text(min_size=1, max_size=12), unique=True, max_size=30),
    moved=st.randoms(use_true_random=False),
)
def test_shown_order_is_a_stable_permutation_whatever_order_the_keys_come_in(
    attempt: str, scope: str, keys: list[str], moved: random.Random
) -> None:
    order = shown_order(attempt, scope, keys)
    assert sorted(order) == list(range(len(keys)))
    assert shown_order(attempt, scope, keys) == order
    shuffled = list(keys)
    moved.shuffle(shuffled)
    assert [shuffled[i] for i in shown_order(attempt, scope, shuffled)] == [keys[i] for i in order]
