"""The offline package: everything a workstation needs to run a delivery with no network.

The questions and media are encrypted with AES-256-GCM under a key derived with scrypt
from the delivery's start code, and hold no key, points, penalty or explanation. A package
is built once per delivery and exam version and stored in ``delivery_packages``; its ETag
is a hash of the clear part of the envelope (delivery, exam with its version, takers), so
it is the same on every worker and changes whenever anything in the package would.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medxam_server.db.dialect import insert_for
from medxam_server.models import (
    Delivery,
    DeliveryPackage,
    Exam,
    ExamMedia,
    ExamQuestion,
    GroupMember,
    Question,
    Taker,
    utcnow,
)
from medxam_server.services.common import get_or_404
from medxam_server.services.setup.deliveries import normalise_start_code

PACKAGE_VERSION = 1
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, NONCE_BYTES, KEY_BYTES = 16, 12, 32


@dataclass(frozen=True, slots=True)
class PackageAnswer:
    etag: str
    body: bytes | None  # None: the caller already holds this version (304)


def get_package(session: Session, delivery_id: str, *, if_none_match: str | None) -> PackageAnswer:
    delivery = get_or_404(session, Delivery, delivery_id, "delivery")
    exam = get_or_404(session, Exam, delivery.exam_id, "exam")
    header = _clear_part(session, delivery, exam)
    etag = '"' + hashlib.sha256(_canonical(header)).hexdigest()[:40] + '"'
    if if_none_match is not None and etag_matches(if_none_match, etag):
        return PackageAnswer(etag, None)
    stored = session.get(DeliveryPackage, delivery_id)
    if stored is not None and stored.etag == etag and stored.exam_version == exam.version:
        return PackageAnswer(etag, stored.body)
    plaintext = _canonical(_content(session, exam))
    envelope = {
        **header,
        "content": encrypt(plaintext, delivery.start_code),
        "content_sha256": hashlib.sha256(plaintext).hexdigest(),
    }
    body = json.dumps(envelope, ensure_ascii=False).encode()
    _store(session, delivery_id, exam.version, etag, body)
    return PackageAnswer(etag, body)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison against an ``If-None-Match`` list (or ``*``)."""
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


def derive_key(start_code: str, salt: bytes) -> bytes:
    kdf = Scrypt(salt=salt, length=KEY_BYTES, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return kdf.derive(normalise_start_code(start_code).encode())


def encrypt(plaintext: bytes, start_code: str) -> dict[str, Any]:
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(derive_key(start_code, salt)).encrypt(nonce, plaintext, None)
    return {
        "cipher": "AES-256-GCM",
        "kdf": {"name": "scrypt", "salt": _b64(salt), "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P},
        "nonce": _b64(nonce),
        "ciphertext": _b64(ciphertext),
    }


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _clear_part(session: Session, delivery: Delivery, exam: Exam) -> dict[str, Any]:
    question_count = session.scalar(
        select(func.count()).select_from(ExamQuestion).where(ExamQuestion.exam_id == exam.id)
    )
    takers = session.execute(
        select(Taker.id, Taker.candidate_number, Taker.full_name)
        .join(GroupMember, GroupMember.taker_id == Taker.id)
        .where(GroupMember.group_id == delivery.group_id)
        .order_by(Taker.candidate_number)
    )
    return {
        "package_version": PACKAGE_VERSION,
        "delivery": {
            "id": delivery.id,
            "title": delivery.title,
            "exam_id": delivery.exam_id,
            "group_id": delivery.group_id,
            "opens_at": rfc3339(delivery.opens_at),
            "closes_at": rfc3339(delivery.closes_at),
            "location": delivery.location,
        },
        "exam": {
            "id": exam.id,
            "title": exam.title,
            "duration_minutes": exam.duration_minutes,
            "question_count": int(question_count or 0),
            "version": exam.version,
        },
        "takers": [
            {"id": t.id, "candidate_number": t.candidate_number, "full_name": t.full_name}
            for t in takers
        ],
    }


def _content(session: Session, exam: Exam) -> dict[str, Any]:
    """What the candidate may see: never a key, points, penalty or explanation."""
    questions = session.execute(
        select(ExamQuestion.position, Question.id, Question.type, Question.stem, Question.options)
        .join(Question, Question.id == ExamQuestion.question_id)
        .where(ExamQuestion.exam_id == exam.id)
        .order_by(ExamQuestion.position)
    )
    media = session.scalars(
        select(ExamMedia).where(ExamMedia.exam_id == exam.id).order_by(ExamMedia.name)
    )
    return {
        "exam": {
            "id": exam.id,
            "title": exam.title,
            "description": exam.description,
            "duration_minutes": exam.duration_minutes,
            "shuffle_questions": exam.shuffle_questions,
            "shuffle_options": exam.shuffle_options,
        },
        "questions": [
            {
                "id": q.id,
                "position": q.position,
                "type": q.type,
                "stem": q.stem,
                "options": [{"label": o["label"], "text": o["text"]} for o in q.options],
            }
            for q in questions
        ],
        "media": [
            {"name": m.name, "content_type": m.content_type, "data": _b64(m.data)} for m in media
        ],
    }


def _store(session: Session, delivery_id: str, version: int, etag: str, body: bytes) -> None:
    """Upsert, so two workers building the same package at once never collide."""
    values = {
        "delivery_id": delivery_id,
        "exam_version": version,
        "etag": etag,
        "body": body,
        "created_at": utcnow(),
    }
    changes = {k: v for k, v in values.items() if k != "delivery_id"}
    statement = insert_for(session, DeliveryPackage).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=["delivery_id"], set_=changes))


def _canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
