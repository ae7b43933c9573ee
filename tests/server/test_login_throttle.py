"""Issue 13, finding 4: the sign-in throttle holds under parallel requests (through a real
server on loopback), counts per client address as well as per username, and answers the
true Retry-After. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from medxam_server import cli
from medxam_server.config import Settings
from medxam_server.db.session import transaction
from medxam_server.models import LoginThrottle, utcnow
from medxam_server.services.accounts import auth, login_throttle
from medxam_server.services.errors import TooManyRequests
from tests.contract.live_server import serving
from tests.server.conftest import PASSWORD, SignedIn

LOGIN = "/api/auth/login"
PER_USER = Settings().login_max_failures  # 5
PER_ADDRESS = Settings().login_max_failures_per_address  # 20
WINDOW = Settings().login_window_seconds  # 300


def test_parallel_wrong_passwords_are_throttled_and_the_right_one_inside_fails(
    server_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 wrong passwords at once: only the limit's worth reach the password check, the
    rest answer 429, and the right password sent while they are in flight answers 429.

    The check of a wrong password is held open until the right one has its answer (a
    slow hash, made certain), so the burst overlaps the right password every time.
    """
    checking = threading.Semaphore(0)
    release = threading.Event()
    real_verify = auth.verify_password

    def slow_verify(password_hash: str | None, password: str) -> bool:
        if password != PASSWORD:
            checking.release()
            release.wait(30)
        return real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", slow_verify)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    with (
        serving(server_settings) as url,
        httpx.Client(base_url=url, timeout=60, limits=limits) as http,
        ThreadPoolExecutor(max_workers=30) as pool,
    ):

        def sign_in(password: str) -> httpx.Response:
            return http.post(LOGIN, json={"username": "admin", "password": password})

        try:
            burst = [pool.submit(sign_in, f"wrong-{i}") for i in range(30)]
            for _ in range(PER_USER):  # that many wrong passwords are being checked now
                assert checking.acquire(timeout=30)
            right = sign_in(PASSWORD)
        finally:
            release.set()
        answers = [future.result() for future in burst]
    assert right.status_code == 429, right.text
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [401] * PER_USER + [429] * (30 - PER_USER)
    for answer in [right, *answers]:
        if answer.status_code == 429:
            assert answer.headers["content-type"] == "application/problem+json"
            assert 0 < int(answer.headers["retry-after"]) <= WINDOW


def _login(client: TestClient, username: str, password: str) -> Any:
    return client.post(LOGIN, json={"username": username, "password": password})


def test_one_password_sprayed_over_many_usernames_is_throttled_by_address(
    client: TestClient, admin: SignedIn
) -> None:
    answers = [_login(client, f"user{i}", "Summer2026!") for i in range(30)]
    statuses = [answer.status_code for answer in answers]
    assert statuses == [401] * PER_ADDRESS + [429] * (30 - PER_ADDRESS)
    # The address is throttled for every username, known or not, with one answer (S3).
    known = _login(client, "admin", PASSWORD)
    assert known.status_code == 429
    assert known.json() == answers[-1].json()
    # Another client address is not affected.
    with TestClient(client.app, client=("192.0.2.7", 50000)) as other:
        assert _login(other, "admin", PASSWORD).status_code == 200


def test_retry_after_is_the_time_left_in_the_window(
    client: TestClient, admin: SignedIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = [utcnow()]

    def now() -> datetime:
        return clock[0]

    monkeypatch.setattr(auth, "utcnow", now)
    assert _login(client, "admin", PASSWORD).status_code == 200
    # A sign-in given back starts no window: the window starts with the first failure.
    start = clock[0] = clock[0] + timedelta(seconds=50)
    for _ in range(PER_USER):
        assert _login(client, "admin", "wrong").status_code == 401
    clock[0] = start + timedelta(seconds=100)
    throttled = _login(client, "admin", PASSWORD)
    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == str(WINDOW - 100)
    clock[0] = start + timedelta(seconds=WINDOW - 0.5)
    assert _login(client, "admin", PASSWORD).headers["retry-after"] == "1"
    clock[0] = start + timedelta(seconds=WINDOW)
    assert _login(client, "admin", PASSWORD).status_code == 200


def test_a_right_password_gives_its_slot_back(client: TestClient, admin: SignedIn) -> None:
    """Signing in counts only while the password is unchecked: proctors signing in one
    after another from one address never reach the address limit."""
    for _ in range(PER_USER - 1):
        assert _login(client, "admin", "wrong").status_code == 401
    for _ in range(3):
        assert _login(client, "admin", PASSWORD).status_code == 200
    assert _login(client, "admin", "wrong").status_code == 401
    assert _login(client, "admin", PASSWORD).status_code == 429


def test_serve_trusts_no_forwarding_header_unless_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn

    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.append(kw))
    args = argparse.Namespace(host="127.0.0.1", port=8000, workers=1)
    monkeypatch.delenv("MEDXAM_FORWARDED_ALLOW_IPS", raising=False)
    cli.get_settings.cache_clear()
    cli._serve(args)
    monkeypatch.setenv("MEDXAM_FORWARDED_ALLOW_IPS", "10.0.0.5")
    cli.get_settings.cache_clear()
    cli._serve(args)
    cli.get_settings.cache_clear()
    assert seen[0]["proxy_headers"] is False
    assert (seen[1]["proxy_headers"], seen[1]["forwarded_allow_ips"]) == (True, "10.0.0.5")


def test_retry_after_is_never_more_than_a_window(app: FastAPI) -> None:
    """A parallel sign-in that read the clock after this one may have started the window
    (it waited for the row lock in between): the wait is still at most one window."""
    now = utcnow()
    limits = login_throttle.Limits(
        per_user=PER_USER, per_address=PER_ADDRESS, window_seconds=WINDOW
    )
    with transaction(app.state.session_factory) as session:
        session.add(
            LoginThrottle(key="user:ada", window_start=now + timedelta(seconds=5), failures=5)
        )
    with pytest.raises(TooManyRequests) as refused, transaction(app.state.session_factory) as s:
        login_throttle.take(s, username="ada", address="192.0.2.1", limits=limits, now=now)
    assert refused.value.retry_after == WINDOW
