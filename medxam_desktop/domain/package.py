"""The offline package's envelope: which delivery, which exam, who sits it.

The encrypted content inside stays encrypted here; decrypting it is sync/package.py's job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from medxam_desktop.errors import ContentError

PACKAGE_VERSION = 1


@dataclass(frozen=True, slots=True)
class RosterEntry:
    taker_id: str
    candidate_number: str
    full_name: str


@dataclass(frozen=True, slots=True)
class PackageInfo:
    delivery_id: str
    delivery_title: str
    exam_id: str
    exam_title: str
    duration_minutes: int
    question_count: int
    roster: tuple[RosterEntry, ...]

    def taker(self, taker_id: str) -> RosterEntry:
        """The roster entry of ``taker_id``; ``ContentError`` if not on the roster."""
        for entry in self.roster:
            if entry.taker_id == taker_id:
                return entry
        raise ContentError("this candidate is not on the delivery's roster")


def parse_package(raw: bytes) -> PackageInfo:
    """The envelope of an offline package (API.md "The offline package")."""
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ContentError("the package is not valid UTF-8 JSON") from exc
    if not isinstance(document, dict):
        raise ContentError("the package must be a JSON object")
    if document.get("package_version") != PACKAGE_VERSION:
        raise ContentError(f"unsupported package version {document.get('package_version')!r}")
    delivery = _object(document, "delivery")
    exam = _object(document, "exam")
    content = _object(document, "content")
    for key in ("cipher", "nonce", "ciphertext"):
        _text(content, key)
    _object(content, "kdf")
    _text(document, "content_sha256")
    takers = document.get("takers")
    if not isinstance(takers, list):
        raise ContentError("'takers' must be a JSON list")
    roster = tuple(
        RosterEntry(
            taker_id=_text(t, "id"),
            candidate_number=_text(t, "candidate_number"),
            full_name=_text(t, "full_name"),
        )
        for t in (_as_object(x, "taker") for x in takers)
    )
    return PackageInfo(
        delivery_id=_text(delivery, "id"),
        delivery_title=_text(delivery, "title"),
        exam_id=_text(exam, "id"),
        exam_title=_text(exam, "title"),
        duration_minutes=_int(exam, "duration_minutes"),
        question_count=_int(exam, "question_count"),
        roster=roster,
    )


def _as_object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ContentError(f"{what} must be a JSON object")
    return value


def _object(data: dict[str, Any], key: str) -> dict[str, Any]:
    return _as_object(data.get(key), repr(key))


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ContentError(f"{key!r} must be a non-empty string")
    return value


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ContentError(f"{key!r} must be a non-negative integer")
    return value
