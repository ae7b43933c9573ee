"""The real server on a loopback port, in a thread of the test process (uvicorn).

Only tests/contract use medxam_server: to serve it and to make the first admin.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn

from medxam_server.config import Settings
from medxam_server.db import transaction
from medxam_server.main import create_app
from medxam_server.services import auth

PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` until the block ends; yields the base URL."""
    app = create_app(settings)
    with transaction(app.state.session_factory) as session:
        auth.create_user(
            session, username="admin", password=PASSWORD, full_name="Ada Admin", role="admin"
        )
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
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


def set_up_delivery(
    admin: httpx.Client, *, taker_count: int = 3, question_count: int = 4
) -> dict[str, object]:
    """Over the HTTP API: a proctor, an exam, a group of takers, and a delivery."""
    proctor = admin.post(
        "/users",
        json={
            "username": "pat",
            "password": PASSWORD,
            "full_name": "Pat Proctor",
            "role": "proctor",
        },
    )
    proctor.raise_for_status()
    document = exam_document(question_count)
    imported = admin.post("/exams/import", json=document)
    imported.raise_for_status()
    group = admin.post("/groups", json={"name": "Year 2", "description": ""})
    group.raise_for_status()
    group_id = group.json()["id"]
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
    takers.raise_for_status()
    delivery = admin.post(
        "/deliveries",
        json={
            "exam_id": imported.json()["exam_id"],
            "group_id": group_id,
            "title": "Anatomy 2 — morning sitting",
            "opens_at": "2026-11-24T08:00:00Z",
            "closes_at": "2026-11-24T12:00:00Z",
            "location": "Hall B",
        },
    )
    delivery.raise_for_status()
    return {
        "delivery": delivery.json(),
        "exam": imported.json(),
        "document": document,
        "takers": takers.json()["items"],
    }
