"""S2: every registered route, under every kind of caller, answers as its rule says.

``RULES`` maps (method, path template) to who may call it. A route the app registers
without a row here fails ``test_every_route_has_a_rule``; a row for a route that is not
registered (yet) is ignored. Path parameters are compared by position, not by name, so
``/api/attempts/{id}`` and ``/api/attempts/{attempt_id}`` are the same route.

Callers: no token, a bad token, an expired session, a logged-out session (all 401), a
proctor (403 on admin routes) and an admin. Allowed callers must get neither 401 nor 403
(a 404 or 422 for the random ids and empty bodies used here is fine), and never a 5xx.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import update

from medxam_server.db.session import transaction
from medxam_server.models import AuthSession, utcnow
from medxam_server.security import hash_token
from tests.server.conftest import PASSWORD, SignedIn

PUBLIC, USER, PROCTOR, ADMIN = "public", "user", "proctor", "admin"

RULES: dict[tuple[str, str], str] = {
    # documentation and health
    ("GET", "/api/openapi.json"): PUBLIC,
    ("GET", "/api/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/api/health"): PUBLIC,
    # sessions
    ("POST", "/api/auth/login"): PUBLIC,
    ("GET", "/api/auth/me"): USER,
    ("POST", "/api/auth/logout"): USER,
    # users
    ("GET", "/api/users"): ADMIN,
    ("POST", "/api/users"): ADMIN,
    ("GET", "/api/users/{id}"): ADMIN,
    ("PUT", "/api/users/{id}"): ADMIN,
    ("DELETE", "/api/users/{id}"): ADMIN,
    # groups and takers
    ("GET", "/api/groups"): PROCTOR,
    ("POST", "/api/groups"): ADMIN,
    ("GET", "/api/groups/{id}"): PROCTOR,
    ("PUT", "/api/groups/{id}"): ADMIN,
    ("DELETE", "/api/groups/{id}"): ADMIN,
    ("GET", "/api/groups/{id}/takers"): PROCTOR,
    ("PUT", "/api/groups/{id}/takers"): ADMIN,
    ("GET", "/api/takers"): PROCTOR,
    ("POST", "/api/takers"): ADMIN,
    ("POST", "/api/takers/bulk"): ADMIN,
    ("GET", "/api/takers/{id}"): PROCTOR,
    ("PUT", "/api/takers/{id}"): ADMIN,
    ("DELETE", "/api/takers/{id}"): ADMIN,
    # questions and exams
    ("GET", "/api/question-sets"): ADMIN,
    ("POST", "/api/question-sets"): ADMIN,
    ("GET", "/api/question-sets/{id}"): ADMIN,
    ("PUT", "/api/question-sets/{id}"): ADMIN,
    ("DELETE", "/api/question-sets/{id}"): ADMIN,
    ("POST", "/api/question-sets/{id}/questions"): ADMIN,
    ("GET", "/api/questions/{id}"): ADMIN,
    ("PUT", "/api/questions/{id}"): ADMIN,
    ("DELETE", "/api/questions/{id}"): ADMIN,
    ("GET", "/api/exams"): ADMIN,
    ("POST", "/api/exams"): ADMIN,
    ("POST", "/api/exams/import"): ADMIN,
    ("GET", "/api/exams/{id}"): ADMIN,
    ("PUT", "/api/exams/{id}"): ADMIN,
    ("DELETE", "/api/exams/{id}"): ADMIN,
    ("GET", "/api/exams/{id}/media"): ADMIN,
    ("PUT", "/api/exams/{id}/media/{name}"): ADMIN,
    ("DELETE", "/api/exams/{id}/media/{name}"): ADMIN,
    # deliveries and the package
    ("GET", "/api/deliveries"): PROCTOR,
    ("POST", "/api/deliveries"): ADMIN,
    ("GET", "/api/deliveries/{id}"): PROCTOR,
    ("PUT", "/api/deliveries/{id}"): ADMIN,
    ("DELETE", "/api/deliveries/{id}"): ADMIN,
    ("GET", "/api/deliveries/{id}/package"): PROCTOR,
    ("GET", "/api/deliveries/{id}/proctors"): ADMIN,
    ("PUT", "/api/deliveries/{id}/proctors"): ADMIN,
    # attempts (API.md endpoints 1-8)
    ("GET", "/api/attempts"): PROCTOR,
    ("GET", "/api/attempts/{id}"): PROCTOR,
    ("GET", "/api/attempts/{id}/details"): PROCTOR,
    ("POST", "/api/attempts/start"): PROCTOR,
    ("POST", "/api/attempts/{id}/finish"): PROCTOR,
    ("POST", "/api/attempts/{id}/answer"): PROCTOR,
    ("GET", "/api/attempts/{id}/answers"): PROCTOR,
    ("PUT", "/api/attempts/{id}/score"): ADMIN,
    # results
    ("GET", "/api/deliveries/{id}/results"): ADMIN,
    ("GET", "/api/deliveries/{id}/results.csv"): ADMIN,
    # admin views (the desktop console)
    ("GET", "/api/attempts/{id}/events"): ADMIN,
    ("GET", "/api/attempts/{id}/score-history"): ADMIN,
    ("GET", "/api/deliveries/{id}/sync-status"): ADMIN,
    # batch sync
    ("POST", "/api/sync/push"): PROCTOR,
    ("GET", "/api/sync/state"): PROCTOR,
    ("POST", "/api/sync/bundle"): ADMIN,
    ("GET", "/api/receipts/{code}"): ADMIN,
    ("PUT", "/api/workstations/{id}/key"): PROCTOR,
    # custody (issue 13, finding 3): recorded handovers
    ("PUT", "/api/workstations/{id}/owner"): ADMIN,
    ("POST", "/api/attempts/{id}/handover"): ADMIN,
}

ALLOWED = {
    PUBLIC: {"none", "bad", "expired", "logged_out", "proctor", "admin"},
    USER: {"proctor", "admin"},
    PROCTOR: {"proctor", "admin"},
    ADMIN: {"admin"},
}
_PARAMETER = re.compile(r"\{[^}]*\}")


def _shape(path: str) -> str:
    return _PARAMETER.sub("{}", path)


SHAPED_RULES = {(method, _shape(path)): rule for (method, path), rule in RULES.items()}


def registered_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    for context in iter_route_contexts(app.routes):
        path = context.path
        for method in sorted(context.methods or ()):
            if method != "HEAD" and path is not None:
                yield method, path


def routes_without_rule(app: FastAPI) -> list[tuple[str, str]]:
    return [r for r in registered_routes(app) if (r[0], _shape(r[1])) not in SHAPED_RULES]


def test_every_route_has_a_rule(app: FastAPI) -> None:
    missing = routes_without_rule(app)
    assert not missing, f"routes without an access rule in test_access.RULES: {missing}"


def test_a_route_added_without_a_rule_is_caught(app: FastAPI) -> None:
    @app.get("/api/new-thing/{thing_id}")
    def new_thing(thing_id: str) -> dict[str, str]:
        return {"id": thing_id}

    assert routes_without_rule(app) == [("GET", "/api/new-thing/{thing_id}")]


def _login(client: TestClient, username: str) -> str:
    response = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def _callers(
    app: FastAPI, client: TestClient, admin: SignedIn, proctor: SignedIn
) -> dict[str, dict[str, str]]:
    expired, logged_out = _login(client, "admin"), _login(client, "admin")
    with transaction(app.state.session_factory) as session:
        session.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == hash_token(expired))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    bearer = {"Authorization": f"Bearer {logged_out}"}
    assert client.post("/api/auth/logout", headers=bearer).status_code == 204
    return {
        "none": {},
        "bad": {"Authorization": "Bearer not-a-real-token"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "logged_out": bearer,
        "proctor": proctor.headers,
        "admin": admin.headers,
    }


def test_every_route_answers_as_its_rule_says(
    app: FastAPI, client: TestClient, admin: SignedIn, proctor: SignedIn
) -> None:
    callers = _callers(app, client, admin, proctor)
    routes = [r for r in registered_routes(app) if (r[0], _shape(r[1])) in SHAPED_RULES]
    # Logging out revokes the caller's token, so that route goes last.
    routes.sort(key=lambda r: r[1] == "/api/auth/logout")
    wrong: list[str] = []
    for method, path in routes:
        rule = SHAPED_RULES[(method, _shape(path))]
        url = _PARAMETER.sub(lambda _: str(uuid.uuid4()), path)
        body = {} if method in ("POST", "PUT") else None
        for caller, headers in callers.items():
            response = client.request(method, url, json=body, headers=headers)
            status = response.status_code
            if caller in ALLOWED[rule]:
                ok = status not in (401, 403) and status < 500
            elif caller in ("proctor", "admin"):
                ok = status == 403
            else:
                ok = status == 401
            if ok and status in (401, 403):
                ok = response.headers.get("content-type") == "application/problem+json"
            if not ok:
                wrong.append(f"{method} {path} as {caller} ({rule}): {status}")
    assert not wrong, "\n".join(wrong)


# --- per-delivery scoping (issue 13, finding 10) ------------------------------------------
# Every proctor route about one delivery or attempt, with what a proctor NOT assigned to
# the delivery gets and what an assigned proctor gets (an admin gets the latter). A start
# in an unassigned delivery answers as for an unknown one (422), not 404. Rows run in
# this order (finishing last); a proctor route under /api/deliveries/{id} or
# /api/attempts/{id} without a row fails test_every_scoped_route_has_a_case.
SCOPED: dict[tuple[str, str], tuple[int, int]] = {
    ("GET", "/api/deliveries/{id}"): (404, 200),
    ("GET", "/api/deliveries/{id}/package"): (404, 200),
    ("POST", "/api/attempts/start"): (422, 201),
    ("GET", "/api/attempts/{id}"): (404, 200),
    ("GET", "/api/attempts/{id}/details"): (404, 200),
    ("POST", "/api/attempts/{id}/answer"): (404, 200),
    ("GET", "/api/attempts/{id}/answers"): (404, 200),
    ("POST", "/api/attempts/{id}/finish"): (404, 200),
}
_SCOPED_PREFIXES = ("/api/deliveries/{}", "/api/attempts/{}")


def test_every_scoped_route_has_a_case(app: FastAPI) -> None:
    shaped = {(m, _shape(p)) for m, p in SCOPED}
    missing = [
        (method, path)
        for method, path in registered_routes(app)
        if SHAPED_RULES.get((method, _shape(path))) == PROCTOR
        and _shape(path).startswith(_SCOPED_PREFIXES)
        and (method, _shape(path)) not in shaped
    ]
    assert not missing, f"proctor routes without a scoping case in test_access.SCOPED: {missing}"


def test_proctors_reach_only_assigned_deliveries(
    app: FastAPI, client: TestClient, admin: SignedIn, proctor: SignedIn
) -> None:
    from tests.server.conftest import make_user
    from tests.server.factories import make_attempt, make_setup

    with transaction(app.state.session_factory) as session:
        setup = make_setup(session, takers=3)
        attempt_id = make_attempt(session, setup=setup, created_by=proctor.user_id)
    outsider = make_user(app, client, username="outsider", role="proctor", assign=False)
    answer = {"question_id": setup.question_ids[0], "answer": ["A"], "time_spent_ms": 1}
    answer["answered_at"] = "2026-11-24T09:00:00Z"
    wrong: list[str] = []
    for (method, path), (unassigned, assigned) in SCOPED.items():
        the_id = setup.delivery_id if path.startswith("/api/deliveries") else attempt_id
        url = _PARAMETER.sub(the_id, path)
        for caller, expected, taker in (
            (outsider, unassigned, 1),
            (proctor, assigned, 1),
            (admin, assigned, 2),
        ):
            body: dict[str, object] | None = None
            if path == "/api/attempts/start":
                body = {"delivery_id": setup.delivery_id, "taker_id": setup.taker_ids[taker]}
            elif path.endswith("/answer"):
                body = answer
            response = client.request(method, url, json=body, headers=caller.headers)
            if response.status_code != expected:
                wrong.append(f"{method} {path} as {caller.username}: {response.status_code}")
    listed = {
        who.username: client.get("/api/attempts", headers=who.headers).json()["total"]
        for who in (outsider, proctor, admin)
    }
    if listed != {"outsider": 0, "proctor": 3, "admin": 3}:
        wrong.append(f"GET /api/attempts totals: {listed}")
    deliveries = {
        who.username: client.get("/api/deliveries", headers=who.headers).json()["total"]
        for who in (outsider, proctor, admin)
    }
    if deliveries != {"outsider": 0, "proctor": 1, "admin": 1}:
        wrong.append(f"GET /api/deliveries totals: {deliveries}")
    assert not wrong, "\n".join(wrong)
