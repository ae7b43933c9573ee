"""HTTP helpers for the setup tests: build groups, takers, exams and deliveries through
the API itself, and open an offline package exactly as contracts.md describes it."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from fastapi.testclient import TestClient

from tests.server.conftest import SignedIn

PROBLEM = "application/problem+json"


def question(
    key: list[str] | None = None, *, type_: str = "single", points: float = 1, **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "stem": "Which is right?",
        "options": [{"label": label, "text": f"Option {label}"} for label in "ABCD"],
        "key": key or ["B"],
        "points": points,
        "penalty": 0,
        "explanation": "Because B is the answer.",
    }
    body.update(extra)
    return body


def import_exam(
    client: TestClient, admin: SignedIn, questions: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "title": "Cardiology",
        "duration_minutes": 30,
        "pass_score": 1,
        "questions": questions or [question(["B"]), question(["A", "C"], type_="multiple")],
    }
    document.update(extra)
    response = client.post("/api/exams/import", json=document, headers=admin.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def make_group(client: TestClient, admin: SignedIn, name: str = "Year 3") -> str:
    response = client.post("/api/groups", json={"name": name}, headers=admin.headers)
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


def make_takers(
    client: TestClient,
    admin: SignedIn,
    count: int,
    *,
    group_id: str | None = None,
    prefix: str = "C",
) -> list[dict[str, Any]]:
    items = [
        {
            "candidate_number": f"{prefix}{i:04d}",
            "full_name": f"Candidate {i}",
            **({"group_ids": [group_id]} if group_id else {}),
        }
        for i in range(1, count + 1)
    ]
    response = client.post("/api/takers/bulk", json={"items": items}, headers=admin.headers)
    assert response.status_code == 201, response.text
    created: list[dict[str, Any]] = response.json()["items"]
    return created


def make_delivery(
    client: TestClient, admin: SignedIn, *, exam_id: str, group_id: str, **extra: Any
) -> dict[str, Any]:
    """A delivery made over the API; its proctors are every proctor there is unless
    ``proctor_ids`` is given (proctors see assigned deliveries only)."""
    if "proctor_ids" not in extra:
        users = client.get("/api/users?per_page=500", headers=admin.headers).json()["items"]
        extra["proctor_ids"] = [u["id"] for u in users if u["role"] == "proctor"]
    body = {
        "exam_id": exam_id,
        "group_id": group_id,
        "title": "Cardiology, morning sitting",
        "opens_at": "2026-11-24T09:00:00Z",
        "closes_at": "2026-11-24T12:00:00Z",
        "location": "Room 4",
    }
    body.update(extra)
    response = client.post("/api/deliveries", json=body, headers=admin.headers)
    assert response.status_code == 201, response.text
    delivery: dict[str, Any] = response.json()
    return delivery


def decrypt_package(package: dict[str, Any], start_code: str) -> bytes:
    """The decrypted content bytes; raises ``cryptography.exceptions.InvalidTag`` for a wrong code.

    Written from contracts.md, independently of the server's code: scrypt (n, r, p from
    the package) over the start code upper-cased with spaces and dashes removed, 32-byte
    key, AES-256-GCM with the 12-byte nonce and no associated data.
    """
    content = package["content"]
    assert content["cipher"] == "AES-256-GCM"
    kdf = content["kdf"]
    assert kdf["name"] == "scrypt"
    assert (kdf["n"], kdf["r"], kdf["p"]) == (2**14, 8, 1)
    code = start_code.upper().replace(" ", "").replace("-", "")
    key = Scrypt(
        salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]
    ).derive(code.encode("utf-8"))
    nonce = base64.b64decode(content["nonce"])
    assert len(nonce) == 12
    plaintext = AESGCM(key).decrypt(nonce, base64.b64decode(content["ciphertext"]), None)
    assert hashlib.sha256(plaintext).hexdigest() == package["content_sha256"]
    return plaintext


def open_package(package: dict[str, Any], start_code: str) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(decrypt_package(package, start_code).decode("utf-8"))
    return content


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "detail"} <= body.keys()
    return body
