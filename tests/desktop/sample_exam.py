"""Small exam documents for the desktop's domain and store tests (no encryption)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

DELIVERY_ID = "5b0c1f55-6b1e-4c8e-9a51-0a7d1c2b3e4f"
EXAM_ID = "0f3c5d1a-2b4e-4f60-8a71-9b8c7d6e5f40"
TAKER_IDS = (
    "a1b2c3d4-0000-4000-8000-000000000001",
    "a1b2c3d4-0000-4000-8000-000000000002",
)


def question_ids(count: int) -> list[str]:
    return [str(uuid.UUID(int=0xABC0_0000_0000_4000_8000_0000_0000_0000 + i)) for i in range(count)]


def content_document(question_count: int = 5) -> dict[str, Any]:
    return {
        "exam": {
            "id": EXAM_ID,
            "title": "Cardiology block",
            "description": "Read each question carefully.",
            "duration_minutes": 60,
            "shuffle_questions": False,
            "shuffle_options": False,
        },
        "questions": [
            {
                "id": qid,
                "position": index + 1,
                "type": "multiple" if index % 3 == 2 else "single",
                "stem": f"Question **{index + 1}** ![](media:ecg.png)",
                "options": [{"label": label, "text": f"Option {label}"} for label in "ABCDE"],
            }
            for index, qid in enumerate(question_ids(question_count))
        ],
        "media": [
            {
                "name": "ecg.png",
                "content_type": "image/png",
                "data": base64.b64encode(b"\x89PNG").decode(),
            }
        ],
    }


def content_bytes(question_count: int = 5) -> bytes:
    return json.dumps(content_document(question_count)).encode("utf-8")


def package_document(question_count: int = 5, duration_minutes: int = 60) -> dict[str, Any]:
    return {
        "package_version": 1,
        "delivery": {
            "id": DELIVERY_ID,
            "title": "Cardiology, morning sitting",
            "exam_id": EXAM_ID,
            "group_id": "9d8e7f60-1111-4222-8333-444455556666",
            "opens_at": "2026-11-24T08:00:00Z",
            "closes_at": "2026-11-24T12:00:00Z",
            "location": "Room 2",
        },
        "exam": {
            "id": EXAM_ID,
            "title": "Cardiology block",
            "duration_minutes": duration_minutes,
            "question_count": question_count,
            "version": 1,
        },
        "takers": [
            {"id": TAKER_IDS[0], "candidate_number": "C-001", "full_name": "Ada Lovelace"},
            {"id": TAKER_IDS[1], "candidate_number": "C-002", "full_name": "Alan Turing"},
        ],
        "content": {
            "cipher": "AES-256-GCM",
            "kdf": {"name": "scrypt", "salt": "c2FsdA==", "n": 16384, "r": 8, "p": 1},
            "nonce": "bm9uY2Vub25jZTEy",
            "ciphertext": base64.b64encode(b"not really encrypted").decode(),
        },
        "content_sha256": "0" * 64,
    }


def package_bytes(question_count: int = 5, duration_minutes: int = 60) -> bytes:
    return json.dumps(package_document(question_count, duration_minutes)).encode("utf-8")


def started_attempt(store: Any, *, taker: int = 0, question_count: int = 5) -> str:
    """Save the sample package into ``store``, check a candidate in and start; the id."""
    store.packages.save(package_bytes(question_count=question_count))
    view = store.attempts.check_in(delivery_id=DELIVERY_ID, taker_id=TAKER_IDS[taker], by="p-1")
    store.attempts.start(view.id, by="p-1")
    return str(view.id)
