"""The real server on a loopback port with a first admin, and data set up over HTTP.

Only tests/contract use medxam_server: to serve it and to make the first admin.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from medxam_server.config import Settings
from medxam_server.db.session import transaction
from medxam_server.main import create_app
from medxam_server.services.accounts import auth
from tests.support.server import serving_app

PASSWORD = "correct horse battery staple"


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` in a thread, with the admin "admin" made first,
    until the block ends; yields the base URL."""
    app = create_app(settings)
    with transaction(app.state.session_factory) as session:
        auth.create_user(
            session, username="admin", password=PASSWORD, full_name="Ada Admin", role="admin"
        )
    try:
        with serving_app(app) as url:
            yield url
    finally:
        app.state.engine.dispose()


def admin_client(url: str) -> httpx.Client:
    """An httpx client signed in as the admin (for setting up data over HTTP)."""
    client = httpx.Client(base_url=url + "/api", timeout=30)
    answer = client.post("/auth/login", json={"username": "admin", "password": PASSWORD})
    answer.raise_for_status()
    client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
    return client


PNG_1X1_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg"
    "=="
)


def exam_document(question_count: int = 4) -> dict[str, object]:
    """An exam import with keys, points, penalties and explanations (none may leak)."""
    questions: list[dict[str, object]] = []
    for i in range(1, question_count + 1):
        questions.append(
            {
                "type": "multiple" if i % 4 == 0 else "true_false" if i % 4 == 3 else "single",
                "stem": f"Question {i}: the median nerve? ![](media:arm.png)",
                "options": [{"label": "A", "text": "True"}, {"label": "B", "text": "False"}]
                if i % 4 == 3
                else [{"label": label, "text": f"Option {label}{i}"} for label in "ABCD"],
                "key": ["A", "C"] if i % 4 == 0 else ["B"],
                "points": 2,
                "penalty": 0.5,
                "explanation": f"SECRET-EXPLANATION-{i}",
            }
        )
    return {
        "title": "Anatomy 2",
        "description": "Upper limb",
        "duration_minutes": 90,
        "pass_score": 4,
        "questions": questions,
        "media": [{"name": "arm.png", "content_type": "image/png", "data": PNG_1X1_B64}],
    }


def _created(admin: httpx.Client, response: httpx.Response, path: str) -> dict[str, Any]:
    """The created resource, once a GET sees it.

    The server's request session commits in a FastAPI ``yield`` dependency, whose exit
    runs after the answer is sent, so a GET right after a 201 can miss the row
    (about 1 in 100 on SQLite). Waiting here keeps data set-up deterministic; the race
    itself is the server's to fix (API.md: commit before answering).
    """
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    deadline = time.monotonic() + 5
    while admin.get(path.format(**body)).status_code != 200:
        assert time.monotonic() < deadline, f"{path} never became visible"
        time.sleep(0.01)
    return body


def set_up_delivery(
    admin: httpx.Client, *, taker_count: int = 3, question_count: int = 4
) -> dict[str, object]:
    """Over the HTTP API: a proctor, an exam, a group of takers, and a delivery."""
    proctor = {"username": "pat", "password": PASSWORD, "full_name": "Pat Proctor"}
    made_proctor = admin.post("/users", json={**proctor, "role": "proctor"})
    proctor_id = _created(admin, made_proctor, "/users/{id}")["id"]
    document = exam_document(question_count)
    imported = _created(admin, admin.post("/exams/import", json=document), "/exams/{exam_id}")
    group = _created(admin, admin.post("/groups", json={"name": "Year 2"}), "/groups/{id}")
    group_id = group["id"]
    names = ["Ada Lovelace", "Rosalind Franklin", "Alan Turing", "Marie Curie", "Emmy Noether"]
    takers = admin.post(
        "/takers/bulk",
        json={
            "items": [
                {
                    "candidate_number": f"C{1001 + i}",
                    "full_name": f"{names[i % len(names)]}{'' if i < len(names) else f' {i}'}",
                    "group_ids": [group_id],
                }
                for i in range(taker_count)
            ]
        },
    )
    assert takers.status_code == 201, takers.text
    made = _created(admin, takers, "/takers/" + takers.json()["items"][-1]["id"])
    delivery = admin.post(
        "/deliveries",
        json={
            "exam_id": imported["exam_id"],
            "group_id": group_id,
            "title": "Anatomy 2 — morning sitting",
            "opens_at": "2026-11-24T08:00:00Z",
            "closes_at": "2026-11-24T12:00:00Z",
            "location": "Hall B",
            "proctor_ids": [proctor_id],  # proctors see assigned deliveries only
        },
    )
    return {
        "delivery": _created(admin, delivery, "/deliveries/{id}"),
        "exam": imported,
        "document": document,
        "takers": made["items"],
    }


@contextmanager
def serving_delivery(
    settings: Settings, *, taker_count: int, question_count: int
) -> Iterator[tuple[str, dict[str, object]]]:
    """``serving`` with a delivery set up over HTTP first (``set_up_delivery``); yields
    the base URL and what was set up."""
    with serving(settings) as url:
        admin = admin_client(url)
        try:
            setup = set_up_delivery(admin, taker_count=taker_count, question_count=question_count)
        finally:
            admin.close()
        yield url, setup
