"""The real server on a loopback port, ready once ``GET /api/health`` answers 200.

Two ways to run it, one readiness check and one clean stop for both:

- ``serving_app``: uvicorn in a thread of the test process, serving an app the test
  built (so the test can reach into ``app.state``, monkeypatch it, or make users first);
- ``server_child``: a child process (``medxam-server`` or ``python -m uvicorn``), for a
  server that a test kills, restarts, or drives through its command line.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import httpx
import uvicorn

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
HEALTH = "/api/health"


class ServerDidNotStart(RuntimeError):
    """The server never answered ``/api/health`` with 200 in time (or it died first)."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def base_url(port: int) -> str:
    return f"http://{HOST}:{port}"


def wait_until_healthy(
    url: str,
    *,
    timeout_s: float,
    alive: Callable[[], bool] = lambda: True,
    describe: Callable[[], str] = lambda: "",
) -> None:
    """Poll ``url + /api/health`` until it answers 200.

    Raises ``ServerDidNotStart`` when ``timeout_s`` passes or ``alive()`` turns false
    (the thread ended, the process exited); ``describe()`` adds what it said (its log).
    """
    deadline = time.monotonic() + timeout_s
    pause = 0.02
    while True:
        try:
            if httpx.get(url + HEALTH, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if not alive():
            raise ServerDidNotStart(f"the server at {url} stopped before it was ready" + describe())
        if time.monotonic() > deadline:
            raise ServerDidNotStart(
                f"the server at {url} was not ready in {timeout_s} s" + describe()
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.3)


@contextmanager
def serving_app(app: Any, *, timeout_s: float = 20, **config: Any) -> Iterator[str]:
    """Serve the ASGI ``app`` with uvicorn in a thread until the block ends; yields the
    base URL. ``config`` goes to ``uvicorn.Config`` (``lifespan="off"`` by default)."""
    port = free_port()
    options: dict[str, Any] = {"log_level": "warning", "lifespan": "off", **config}
    server = uvicorn.Server(uvicorn.Config(app, host=HOST, port=port, **options))
    thread = threading.Thread(target=server.run, name=f"live-server-{port}", daemon=True)
    thread.start()
    url = base_url(port)
    try:
        wait_until_healthy(url, timeout_s=timeout_s, alive=thread.is_alive)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)
        if thread.is_alive():
            log.warning("the live server on port %s did not stop in 10 s", port)


def uvicorn_command(port: int) -> list[str]:
    """``python -m uvicorn`` serving ``create_app()`` (settings from the environment)."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "medxam_server.main:create_app"]
    return [*command, "--host", HOST, "--port", str(port), "--log-level", "warning"]


@contextmanager
def server_child(
    command: list[str],
    *,
    port: int,
    env: Mapping[str, str],
    timeout_s: float = 30,
    output: IO[str] | None = None,
    log_path: Path | None = None,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` (a server listening on ``port``) with the environment ``env`` until
    the block ends; yields the process once it is healthy.

    Its output goes to ``output`` (inherited when None); ``log_path``, the file behind
    ``output``, is quoted when the server does not start. It is stopped with SIGINT (as
    Ctrl+C stops it), then killed if it has not stopped in 15 s.
    """
    child = subprocess.Popen(
        command, env=dict(env), stdout=output, stderr=output, stdin=subprocess.DEVNULL
    )

    def describe() -> str:
        return f":\n{log_path.read_text()}" if log_path else ""

    try:
        wait_until_healthy(
            base_url(port),
            timeout_s=timeout_s,
            alive=lambda: child.poll() is None,
            describe=describe,
        )
        yield child
    finally:
        stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGKILL after 15 s; always waits, so no zombie is left."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    child.wait(10)
