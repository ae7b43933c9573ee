"""Opening a package with its start code: the right code opens, anything else says why."""

from __future__ import annotations

import base64
import json

import pytest

from medxam_desktop.errors import ContentError, user_message
from medxam_desktop.sync.package import (
    DamagedPackage,
    WrongStartCode,
    decrypt_content,
    normalise_start_code,
    start_code_problem,
)
from tests.desktop.package_builder import PNG_1X1, START_CODE, build_package


def test_the_right_code_opens_the_content() -> None:
    built = build_package()
    content = decrypt_content(built.raw, START_CODE)
    assert content.exam_id == built.content["exam"]["id"]
    assert content.title == "Anatomy 2"
    assert [q.id for q in content.questions] == [q["id"] for q in built.content["questions"]]
    assert content.questions[0].options[1].text == "Option B"
    assert content.media["figure.png"].data == PNG_1X1


def test_the_code_is_read_the_way_people_type_it() -> None:
    built = build_package()
    assert decrypt_content(built.raw, "k7f3-9qx2").exam_id == built.content["exam"]["id"]
    assert decrypt_content(built.raw, " K7F3 9QX2 ").exam_id == built.content["exam"]["id"]
    assert normalise_start_code("ab-cd ef-gh") == "ABCDEFGH"


def test_a_wrong_code_is_a_content_error_in_plain_words() -> None:
    built = build_package()
    with pytest.raises(ContentError) as caught:
        decrypt_content(built.raw, "K7F39QX3")
    assert isinstance(caught.value, WrongStartCode)
    words = user_message(caught.value)
    assert "start code does not open" in words
    assert "Traceback" not in words and "InvalidTag" not in words


def test_tampered_ciphertext_does_not_open() -> None:
    built = build_package()
    document = json.loads(built.raw)
    data = bytearray(base64.b64decode(document["content"]["ciphertext"]))
    data[5] ^= 0x01
    document["content"]["ciphertext"] = base64.b64encode(bytes(data)).decode()
    with pytest.raises(ContentError):
        decrypt_content(json.dumps(document).encode(), START_CODE)


def test_a_checksum_that_does_not_match_is_a_damaged_package() -> None:
    built = build_package()
    document = json.loads(built.raw)
    document["content_sha256"] = "0" * 64
    with pytest.raises(DamagedPackage):
        decrypt_content(json.dumps(document).encode(), START_CODE)


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d.pop("content"),
        lambda d: d["content"].update(cipher="ROT13"),
        lambda d: d["content"]["kdf"].update(name="pbkdf2"),
        lambda d: d["content"]["kdf"].update(n=2**30),
        lambda d: d["content"]["kdf"].update(n=1000),
        lambda d: d["content"].update(nonce="not base64!"),
        lambda d: d["content"].update(nonce=base64.b64encode(b"short").decode()),
    ],
)
def test_a_malformed_package_is_a_damaged_package(damage: object) -> None:
    document = json.loads(build_package().raw)
    damage(document)  # type: ignore[operator]
    with pytest.raises(DamagedPackage):
        decrypt_content(json.dumps(document).encode(), START_CODE)


def test_not_a_package_at_all() -> None:
    with pytest.raises(DamagedPackage):
        decrypt_content(b"\x89PNG\r\n", START_CODE)
    with pytest.raises(DamagedPackage):
        decrypt_content(b"[1, 2]", START_CODE)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("K7F39QX2", None),
        ("k7f3-9qx2", None),
        ("K7F39Q", "has 8 characters; this one has 6"),
        ("K7F39QX0", "never contains 0"),
        ("KIL39QX2", "never contains I, L"),
    ],
)
def test_start_code_problems_in_words(typed: str, problem: str | None) -> None:
    found = start_code_problem(typed)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
