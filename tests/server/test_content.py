"""Question sets, questions, exams, the import and media: rules, versions, all or nothing."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete

from medxam_server.db.session import transaction
from medxam_server.models import AttemptQuestion, ExamQuestion, Question
from tests.server.conftest import SignedIn
from tests.server.factories import make_attempt, make_setup
from tests.server.setup_api import assert_problem, import_exam, make_delivery, make_group, question

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _new_set(client: TestClient, admin: SignedIn) -> str:
    response = client.post(
        "/api/question-sets", json={"title": "Bank", "description": "d"}, headers=admin.headers
    )
    assert response.status_code == 201, response.text
    set_id: str = response.json()["id"]
    return set_id


def _exam(client: TestClient, admin: SignedIn, question_ids: list[str], **extra: Any) -> Any:
    body = {"title": "E", "duration_minutes": 20, "pass_score": 2, "question_ids": question_ids}
    return client.post("/api/exams", json={**body, **extra}, headers=admin.headers)


def test_question_set_crud_with_questions(client: TestClient, admin: SignedIn) -> None:
    set_id = _new_set(client, admin)
    added = client.post(
        f"/api/question-sets/{set_id}/questions", json=question(["C"]), headers=admin.headers
    )
    assert added.status_code == 201, added.text
    q = added.json()
    assert q["key"] == ["C"] and q["points"] == 1 and q["question_set_id"] == set_id
    detail = client.get(f"/api/question-sets/{set_id}", headers=admin.headers).json()
    assert detail["question_count"] == 1 and detail["questions"][0]["id"] == q["id"]
    listed = client.get("/api/question-sets", headers=admin.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["question_count"] == 1
    renamed = client.put(
        f"/api/question-sets/{set_id}", json={"title": "Bank 2"}, headers=admin.headers
    )
    assert renamed.json()["title"] == "Bank 2" and len(renamed.json()["questions"]) == 1
    assert client.get(f"/api/questions/{q['id']}", headers=admin.headers).json() == q
    assert client.delete(f"/api/question-sets/{set_id}", headers=admin.headers).status_code == 204
    assert_problem(client.get(f"/api/questions/{q['id']}", headers=admin.headers), 404)
    assert_problem(client.get(f"/api/question-sets/{set_id}", headers=admin.headers), 404)


def test_question_rules(client: TestClient, admin: SignedIn) -> None:
    set_id = _new_set(client, admin)
    url = f"/api/question-sets/{set_id}/questions"
    two_options = [{"label": "A", "text": "a"}, {"label": "B", "text": "b"}]
    broken = {
        "single with two keys": question(["A", "B"]),
        "key not a label": question(["E"]),
        "no key": question([]) | {"key": []},
        "repeated label": question(["A"], options=[{"label": "A", "text": "x"}] * 2),
        "one option": question(["A"], options=two_options[:1]),
        "true_false with other options": question(["A"], type_="true_false", options=two_options),
        "true_false with two keys": question(["A", "B"], type_="true_false", options=[]),
        "unknown type": question(["A"], type_="essay"),
        "negative points": question(["A"], points=-1),
        "repeated key": question(["A", "A"], type_="multiple"),
    }
    for name, body in broken.items():
        problem = assert_problem(client.post(url, json=body, headers=admin.headers), 422)
        assert problem.get("errors"), name
    assert (
        client.get(f"/api/question-sets/{set_id}", headers=admin.headers).json()["question_count"]
        == 0
    )

    tf = client.post(
        url, json=question(["B"], type_="true_false", options=[]), headers=admin.headers
    )
    assert tf.status_code == 201, tf.text
    assert tf.json()["options"] == [{"label": "A", "text": "True"}, {"label": "B", "text": "False"}]
    multiple = client.post(url, json=question(["A", "D"], type_="multiple"), headers=admin.headers)
    assert multiple.status_code == 201 and multiple.json()["key"] == ["A", "D"]


def test_points_are_exact(client: TestClient, admin: SignedIn) -> None:
    thirds = [question(["B"], points=1 / 3, penalty=0.1) for _ in range(3)]
    result = import_exam(client, admin, thirds, pass_score=0.7)
    exam = client.get(f"/api/exams/{result['exam_id']}", headers=admin.headers).json()
    assert exam["max_score"] == 1.0 and exam["pass_score"] == 0.7
    q = client.get(f"/api/questions/{result['question_ids'][0]}", headers=admin.headers).json()
    assert q["points"] == 0.333333 and q["penalty"] == 0.1


def test_exam_crud_and_versions(client: TestClient, admin: SignedIn) -> None:
    set_id = _new_set(client, admin)
    ids = [
        client.post(
            f"/api/question-sets/{set_id}/questions", json=question(["A"]), headers=admin.headers
        ).json()["id"]
        for _ in range(3)
    ]
    created = _exam(client, admin, [ids[2], ids[0]], shuffle_options=True)
    assert created.status_code == 201, created.text
    exam = created.json()
    assert exam["question_ids"] == [ids[2], ids[0]] and exam["version"] == 1
    assert exam["max_score"] == 2 and exam["shuffle_options"] is True
    url = f"/api/exams/{exam['id']}"

    changed = client.put(
        url,
        json={"title": "E2", "duration_minutes": 25, "pass_score": 1, "question_ids": ids},
        headers=admin.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["question_ids"] == ids and changed.json()["version"] == 2
    assert changed.json()["shuffle_options"] is False

    # Editing a question bumps every exam that uses it.
    edited = client.put(f"/api/questions/{ids[1]}", json=question(["D"]), headers=admin.headers)
    assert edited.status_code == 200 and edited.json()["key"] == ["D"]
    assert client.get(url, headers=admin.headers).json()["version"] == 3
    # A question in an exam cannot be deleted; one removed from it can.
    assert_problem(client.delete(f"/api/questions/{ids[1]}", headers=admin.headers), 409)
    assert_problem(client.delete(f"/api/question-sets/{set_id}", headers=admin.headers), 409)
    client.put(
        url,
        json={"title": "E2", "duration_minutes": 25, "pass_score": 1, "question_ids": ids[:1]},
        headers=admin.headers,
    )
    assert client.delete(f"/api/questions/{ids[1]}", headers=admin.headers).status_code == 204

    listed = client.get("/api/exams", headers=admin.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == exam["id"]
    assert client.delete(url, headers=admin.headers).status_code == 204
    assert_problem(client.get(url, headers=admin.headers), 404)


def test_exam_question_lists_are_checked(client: TestClient, admin: SignedIn) -> None:
    result = import_exam(client, admin)
    known = result["question_ids"][0]
    unknown = str(uuid.uuid4())
    problem = assert_problem(_exam(client, admin, [known, unknown]), 422)
    assert problem["errors"][0]["loc"] == ["body", "question_ids", 1]
    assert_problem(_exam(client, admin, [known, known]), 422)
    assert_problem(_exam(client, admin, ["not-a-uuid"]), 422)
    assert client.get("/api/exams", headers=admin.headers).json()["total"] == 1


def test_import_keeps_order_and_is_all_or_nothing(client: TestClient, admin: SignedIn) -> None:
    stems = [question(["A"], stem=f"Question {i}") for i in range(1, 6)]
    result = import_exam(client, admin, stems, description="Mock finals", shuffle_questions=True)
    assert len(result["question_ids"]) == 5
    exam = client.get(f"/api/exams/{result['exam_id']}", headers=admin.headers).json()
    assert exam["question_ids"] == result["question_ids"] and exam["shuffle_questions"] is True
    bank = client.get(f"/api/question-sets/{result['question_set_id']}", headers=admin.headers)
    by_id = {q["id"]: q["stem"] for q in bank.json()["questions"]}
    assert [by_id[i] for i in result["question_ids"]] == [f"Question {i}" for i in range(1, 6)]

    bad = [*stems, question(["Z"])]
    document = {"title": "Bad", "duration_minutes": 10, "pass_score": 1, "questions": bad}
    problem = assert_problem(
        client.post("/api/exams/import", json=document, headers=admin.headers), 422
    )
    assert problem["errors"][0]["loc"] == ["body", "questions", 5, "key"]
    assert client.get("/api/exams", headers=admin.headers).json()["total"] == 1
    assert client.get("/api/question-sets", headers=admin.headers).json()["total"] == 1


def test_import_with_media(client: TestClient, admin: SignedIn) -> None:
    import base64

    media = [
        {"name": "ecg.png", "content_type": "image/png", "data": base64.b64encode(PNG).decode()}
    ]
    result = import_exam(client, admin, media=media)
    listed = client.get(f"/api/exams/{result['exam_id']}/media", headers=admin.headers).json()
    assert listed[0]["name"] == "ecg.png" and listed[0]["size"] == len(PNG)
    bad = {"title": "x", "duration_minutes": 1, "pass_score": 0, "questions": [question()]}
    for item in (
        {"name": "../x", "content_type": "image/png", "data": ""},
        {"name": "x.png", "content_type": "text/html", "data": ""},
        {"name": "x.png", "content_type": "image/png", "data": "%%%"},
    ):
        response = client.post(
            "/api/exams/import", json={**bad, "media": [item]}, headers=admin.headers
        )
        assert_problem(response, 422)


def test_media_upload_replace_delete(client: TestClient, admin: SignedIn) -> None:
    result = import_exam(client, admin)
    url = f"/api/exams/{result['exam_id']}"
    put = client.put(
        f"{url}/media/ecg.png", content=PNG, headers={**admin.headers, "Content-Type": "image/png"}
    )
    assert put.status_code == 200, put.text
    assert put.json()["size"] == len(PNG) and put.json()["content_type"] == "image/png"
    exam = client.get(url, headers=admin.headers).json()
    assert exam["media"] == ["ecg.png"] and exam["version"] == 2
    replaced = client.put(
        f"{url}/media/ecg.png",
        content=b"GIF89a",
        headers={**admin.headers, "Content-Type": "image/gif"},
    )
    assert replaced.json()["content_type"] == "image/gif"
    assert len(client.get(f"{url}/media", headers=admin.headers).json()) == 1
    not_image = client.put(
        f"{url}/media/x.html",
        content=b"<p>",
        headers={**admin.headers, "Content-Type": "text/html"},
    )
    assert_problem(not_image, 415)
    bad_name = client.put(
        f"{url}/media/.hidden", content=PNG, headers={**admin.headers, "Content-Type": "image/png"}
    )
    assert_problem(bad_name, 422)
    unknown_exam = client.put(
        f"/api/exams/{uuid.uuid4()}/media/a.png",
        content=PNG,
        headers={**admin.headers, "Content-Type": "image/png"},
    )
    assert_problem(unknown_exam, 404)
    assert client.delete(f"{url}/media/ecg.png", headers=admin.headers).status_code == 204
    assert_problem(client.delete(f"{url}/media/ecg.png", headers=admin.headers), 404)
    assert client.get(url, headers=admin.headers).json()["version"] == 4


def test_exam_in_use_cannot_be_deleted(client: TestClient, admin: SignedIn) -> None:
    result = import_exam(client, admin)
    make_delivery(client, admin, exam_id=result["exam_id"], group_id=make_group(client, admin))
    assert_problem(client.delete(f"/api/exams/{result['exam_id']}", headers=admin.headers), 409)


def test_content_is_for_admins_only(client: TestClient, proctor: SignedIn) -> None:
    for path in ("/api/exams", "/api/question-sets"):
        assert_problem(client.get(path, headers=proctor.headers), 403)


def test_an_answered_question_cannot_be_deleted(
    app: FastAPI, client: TestClient, admin: SignedIn
) -> None:
    """attempt_questions has no foreign key to questions (ingest speed): the rule is kept
    by the service, for the question and for its set."""
    with transaction(app.state.session_factory) as session:
        setup = make_setup(session)
        attempt_id = make_attempt(session, setup=setup, created_by=admin.user_id)
        question_id = setup.question_ids[0]
        session.add(
            AttemptQuestion(
                attempt_id=attempt_id, question_id=question_id, position=1, answer=["A"]
            )
        )
        session.execute(delete(ExamQuestion).where(ExamQuestion.question_id == question_id))
        set_id = session.get(Question, question_id).question_set_id  # type: ignore[union-attr]
    answered = client.delete(f"/api/questions/{question_id}", headers=admin.headers)
    assert answered.status_code == 409
    assert "answered" in answered.json()["detail"]
    whole_set = client.delete(f"/api/question-sets/{set_id}", headers=admin.headers)
    assert whole_set.status_code == 409
    with transaction(app.state.session_factory) as session:
        assert session.get(Question, question_id) is not None
