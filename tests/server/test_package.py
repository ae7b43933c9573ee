"""S4: the offline package decrypts with the start code only, holds no key, points,
penalty or explanation, is built once per delivery and exam version, and has an ETag."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from medxam_server.db.session import transaction
from medxam_server.models import DeliveryPackage
from tests.server.conftest import SignedIn
from tests.server.setup_api import (
    assert_problem,
    decrypt_package,
    import_exam,
    make_delivery,
    make_group,
    make_takers,
    open_package,
    question,
)

SECRET_EXPLANATION = "The explanation nobody at the workstation may read"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def _setup(client: TestClient, admin: SignedIn) -> tuple[dict[str, Any], dict[str, Any]]:
    group = make_group(client, admin)
    make_takers(client, admin, 3, group_id=group)
    make_takers(client, admin, 1, prefix="OTHER")  # not in the group
    questions = [
        question(["C"], points=2.5, penalty=0.75, explanation=SECRET_EXPLANATION),
        question(["A", "D"], type_="multiple", stem="Pick two ![](media:ecg.png)"),
        question(["B"], type_="true_false", options=[]),
    ]
    media = [
        {"name": "ecg.png", "content_type": "image/png", "data": base64.b64encode(PNG).decode()}
    ]
    exam = import_exam(client, admin, questions, media=media, description="Read carefully")
    delivery = make_delivery(client, admin, exam_id=exam["exam_id"], group_id=group)
    return exam, delivery


def _keys_anywhere(document: Any) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {k for v in document.values() for k in _keys_anywhere(v)}
    if isinstance(document, list):
        return {k for v in document for k in _keys_anywhere(v)}
    return set()


def test_package_decrypts_and_holds_no_answers(
    client: TestClient, admin: SignedIn, proctor: SignedIn
) -> None:
    exam, delivery = _setup(client, admin)
    response = client.get(f"/api/deliveries/{delivery['id']}/package", headers=proctor.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    package = response.json()
    assert package["package_version"] == 1
    assert package["delivery"] == {
        "id": delivery["id"],
        "title": delivery["title"],
        "exam_id": exam["exam_id"],
        "group_id": delivery["group_id"],
        "opens_at": "2026-11-24T09:00:00Z",
        "closes_at": "2026-11-24T12:00:00Z",
        "location": "Room 4",
    }
    assert package["exam"] == {
        "id": exam["exam_id"],
        "title": "Cardiology",
        "duration_minutes": 30,
        "question_count": 3,
        "version": 1,
    }
    assert [t["candidate_number"] for t in package["takers"]] == ["C0001", "C0002", "C0003"]
    assert set(package["takers"][0]) == {"id", "candidate_number", "full_name"}
    assert delivery["start_code"] not in response.text

    # The start code works however the proctor types it.
    typed = delivery["start_code"].lower()[:4] + " - " + delivery["start_code"].lower()[4:]
    content = open_package(package, typed)
    assert content["exam"] == {
        "id": exam["exam_id"],
        "title": "Cardiology",
        "description": "Read carefully",
        "duration_minutes": 30,
        "shuffle_questions": False,
        "shuffle_options": False,
    }
    assert [q["id"] for q in content["questions"]] == exam["question_ids"]
    assert [q["position"] for q in content["questions"]] == [1, 2, 3]
    assert [q["type"] for q in content["questions"]] == ["single", "multiple", "true_false"]
    assert content["questions"][1]["stem"] == "Pick two ![](media:ecg.png)"
    assert content["questions"][2]["options"][0] == {"label": "A", "text": "True"}
    assert base64.b64decode(content["media"][0]["data"]) == PNG
    assert content["media"][0]["content_type"] == "image/png"

    forbidden = {"key", "points", "penalty", "explanation", "points_units", "penalty_units"}
    assert not forbidden & _keys_anywhere(content)
    assert not forbidden & _keys_anywhere(package)
    plaintext = decrypt_package(package, delivery["start_code"]).decode()
    for text in (SECRET_EXPLANATION, "2.5", "0.75", "start_code"):
        assert text not in plaintext and text not in response.text


def test_a_wrong_start_code_cannot_open_it(client: TestClient, admin: SignedIn) -> None:
    _, delivery = _setup(client, admin)
    package = client.get(f"/api/deliveries/{delivery['id']}/package", headers=admin.headers).json()
    code = delivery["start_code"]
    wrong = ("2" if code[0] != "2" else "3") + code[1:]
    with pytest.raises(InvalidTag):
        decrypt_package(package, wrong)
    tampered = json.loads(json.dumps(package))
    raw = bytearray(base64.b64decode(tampered["content"]["ciphertext"]))
    raw[0] ^= 1
    tampered["content"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InvalidTag):
        decrypt_package(tampered, code)
    assert base64.b64decode(package["content"]["kdf"]["salt"])


def test_etag_and_304_and_built_once(app: FastAPI, client: TestClient, admin: SignedIn) -> None:
    exam, delivery = _setup(client, admin)
    url = f"/api/deliveries/{delivery['id']}/package"
    first = client.get(url, headers=admin.headers)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    second = client.get(url, headers=admin.headers)
    assert second.headers["etag"] == etag and second.content == first.content  # stored, not rebuilt
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = client.get(url, headers={**admin.headers, "If-None-Match": header})
        assert not_modified.status_code == 304 and not_modified.headers["etag"] == etag
        assert not_modified.content == b""
    stale = client.get(url, headers={**admin.headers, "If-None-Match": '"old"'})
    assert stale.status_code == 200
    with transaction(app.state.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DeliveryPackage)) == 1

    # A new exam version: a new package, with the change in it.
    edited = client.put(
        f"/api/questions/{exam['question_ids'][0]}",
        json=question(["C"], stem="Edited stem"),
        headers=admin.headers,
    )
    assert edited.status_code == 200
    rebuilt = client.get(url, headers={**admin.headers, "If-None-Match": etag})
    assert rebuilt.status_code == 200 and rebuilt.headers["etag"] != etag
    assert rebuilt.json()["exam"]["version"] == 2
    content = open_package(rebuilt.json(), delivery["start_code"])
    assert content["questions"][0]["stem"] == "Edited stem"

    # A change of the group's takers shows too.
    make_takers(client, admin, 1, group_id=delivery["group_id"], prefix="LATE")
    again = client.get(url, headers={**admin.headers, "If-None-Match": rebuilt.headers["etag"]})
    assert again.status_code == 200 and len(again.json()["takers"]) == 4
    with transaction(app.state.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(DeliveryPackage)) == 1


def test_unknown_delivery_package_is_404(client: TestClient, proctor: SignedIn) -> None:
    import uuid

    assert_problem(
        client.get(f"/api/deliveries/{uuid.uuid4()}/package", headers=proctor.headers), 404
    )
