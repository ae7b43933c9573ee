"""Package content and envelope parsing: what the candidate sees, and bad input refused."""

from __future__ import annotations

import json

import pytest

from medxam_desktop.domain.content import parse_content
from medxam_desktop.domain.package import parse_package
from medxam_desktop.errors import ContentError
from tests.desktop.sample_exam import (
    DELIVERY_ID,
    EXAM_ID,
    TAKER_IDS,
    content_bytes,
    content_document,
    package_bytes,
    package_document,
    question_ids,
)


def test_content_parses_in_exam_order_with_media() -> None:
    document = content_document(4)
    document["questions"].reverse()
    content = parse_content(json.dumps(document).encode())
    assert content.exam_id == EXAM_ID
    assert content.duration_minutes == 60
    assert [q.id for q in content.questions] == question_ids(4)
    assert [q.position for q in content.questions] == [1, 2, 3, 4]
    assert content.questions[2].allows_several and not content.questions[0].allows_several
    assert content.questions[0].labels == ("A", "B", "C", "D", "E")
    assert content.media["ecg.png"].data == b"\x89PNG"
    assert content.question(question_ids(4)[1]).position == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("exam"),
        lambda d: d["exam"].update(duration_minutes=0),
        lambda d: d["questions"][0].update(type="essay"),
        lambda d: d["questions"][0].update(options=[]),
        lambda d: d["questions"][0]["options"].append({"label": "A", "text": "again"}),
        lambda d: d["questions"][1].update(id=d["questions"][0]["id"]),
        lambda d: d["questions"][0].update(position="1"),
        lambda d: d["media"][0].update(data="***"),
    ],
)
def test_bad_content_is_a_content_error(damage: object) -> None:
    document = content_document(3)
    damage(document)  # type: ignore[operator]
    with pytest.raises(ContentError):
        parse_content(json.dumps(document).encode())


def test_content_that_is_not_json_is_a_content_error() -> None:
    with pytest.raises(ContentError):
        parse_content(b"\xff\xfe not json")
    with pytest.raises(ContentError):
        parse_content(content_bytes()[:-5])


def test_package_envelope_parses() -> None:
    info = parse_package(package_bytes(question_count=7, duration_minutes=90))
    assert info.delivery_id == DELIVERY_ID
    assert info.exam_id == EXAM_ID
    assert (info.duration_minutes, info.question_count) == (90, 7)
    assert [r.taker_id for r in info.roster] == list(TAKER_IDS)
    assert info.taker(TAKER_IDS[1]).full_name == "Alan Turing"
    with pytest.raises(ContentError):
        info.taker("nobody")


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.update(package_version=2),
        lambda d: d.pop("delivery"),
        lambda d: d["content"].pop("ciphertext"),
        lambda d: d.pop("content_sha256"),
        lambda d: d.update(takers={}),
        lambda d: d["takers"][0].pop("full_name"),
        lambda d: d["exam"].update(duration_minutes="60"),
    ],
)
def test_bad_package_is_a_content_error(damage: object) -> None:
    document = package_document()
    damage(document)  # type: ignore[operator]
    with pytest.raises(ContentError):
        parse_package(json.dumps(document).encode())
