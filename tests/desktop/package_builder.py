"""Build offline packages exactly as contracts.md describes, with cryptography directly.

Independent of the desktop's own code, so a test that opens one checks the contract,
not the client against itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

START_CODE = "K7F39QX2"
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg"
    "=="
)


@dataclass
class BuiltPackage:
    raw: bytes
    content: dict[str, Any]
    document: dict[str, Any] = field(default_factory=dict)


def sample_content(question_count: int = 3) -> dict[str, Any]:
    questions = [
        {
            "id": str(uuid.uuid4()),
            "position": position,
            "type": "multiple" if position % 3 == 0 else "single",
            "stem": f"Question {position}: which nerve? ![](media:figure.png)",
            "options": [{"label": label, "text": f"Option {label}"} for label in "ABCD"],
        }
        for position in range(1, question_count + 1)
    ]
    return {
        "exam": {
            "id": str(uuid.uuid4()),
            "title": "Anatomy 2",
            "description": "Upper limb",
            "duration_minutes": 90,
            "shuffle_questions": False,
            "shuffle_options": False,
        },
        "questions": questions,
        "media": [
            {
                "name": "figure.png",
                "content_type": "image/png",
                "data": base64.b64encode(PNG_1X1).decode(),
            }
        ],
    }


def roster(count: int = 3) -> list[dict[str, str]]:
    names = ["Ada Lovelace", "Rosalind Franklin", "Alan Turing", "Marie Curie", "Emmy Noether"]
    return [
        {
            "id": str(uuid.uuid4()),
            "candidate_number": f"C{1001 + i}",
            "full_name": names[i % len(names)] + ("" if i < len(names) else f" {i}"),
        }
        for i in range(count)
    ]


def build_package(
    *,
    start_code: str = START_CODE,
    content: dict[str, Any] | None = None,
    takers: list[dict[str, str]] | None = None,
    delivery_id: str | None = None,
    title: str = "Anatomy 2 — morning sitting",
) -> BuiltPackage:
    content = content or sample_content()
    plaintext = json.dumps(content).encode("utf-8")
    salt, nonce = os.urandom(16), os.urandom(12)
    key = Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(start_code.encode("utf-8"))
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, None)
    exam = content["exam"]
    document = {
        "package_version": 1,
        "delivery": {
            "id": delivery_id or str(uuid.uuid4()),
            "title": title,
            "exam_id": exam["id"],
            "group_id": str(uuid.uuid4()),
            "opens_at": "2026-11-24T08:00:00Z",
            "closes_at": "2026-11-24T12:00:00Z",
            "location": "Hall B",
        },
        "exam": {
            "id": exam["id"],
            "title": exam["title"],
            "duration_minutes": exam["duration_minutes"],
            "question_count": len(content["questions"]),
            "version": 1,
        },
        "takers": takers if takers is not None else roster(),
        "content": {
            "cipher": "AES-256-GCM",
            "kdf": {
                "name": "scrypt",
                "salt": base64.b64encode(salt).decode(),
                "n": 2**14,
                "r": 8,
                "p": 1,
            },
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(ciphertext).decode(),
        },
        "content_sha256": hashlib.sha256(plaintext).hexdigest(),
    }
    return BuiltPackage(
        raw=json.dumps(document).encode("utf-8"), content=content, document=document
    )
