"""A small HTTP/1.1 proxy that injects network faults between the client and the server.

It understands just enough HTTP (request and response heads, Content-Length and chunked
bodies) to act per request on a kept-alive connection:

- ``DROP_RESPONSE``: forward the request, let the server answer (it has committed), then
  close the client's connection without the answer;
- ``CUT_REQUEST``: forward half of the request body and close both sides (the server
  never sees a whole request, so it commits nothing);
- ``CUT_RESPONSE``: forward half of the answer, then close;
- ``DELAY``: wait before forwarding;
- ``UNAVAILABLE``: answer ``503`` with ``Retry-After`` itself, without forwarding.

Faults are queued per path prefix (``add``) or drawn at random (``set_random``). The
upstream port may change (a restarted server); a dead upstream closes the client's
connection, as a dead server would. Runs asyncio on its own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Fault(StrEnum):
    DROP_RESPONSE = "drop_response"
    CUT_REQUEST = "cut_request"
    CUT_RESPONSE = "cut_response"
    DELAY = "delay"
    UNAVAILABLE = "unavailable"


FAULTS_ALL = tuple(Fault)


@dataclass
class _Rule:
    fault: Fault
    path: str
    times: int


class FaultProxy:
    def __init__(self, upstream_port: int, *, host: str = "127.0.0.1") -> None:
        self.host = host
        self.upstream_port = upstream_port
        self.delay_s = 0.3
        self.retry_after = 1
        self.applied: Counter[Fault] = Counter()
        self.requests: Counter[str] = Counter()
        self.latencies_ms: list[float] = []  # server time of each forwarded request
        self.on_forwarded: Callable[[str], None] | None = None  # called off the loop thread
        self._rules: list[_Rule] = []
        self._random: tuple[float, tuple[Fault, ...], random.Random, str] | None = None
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # --- control (any thread) ------------------------------------------------------------

    def start(self) -> str:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        future.result(10)
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def add(self, fault: Fault, *, path: str = "/api/sync/push", times: int = 1) -> None:
        """Apply ``fault`` to the next ``times`` requests whose path starts with ``path``."""
        with self._lock:
            self._rules.append(_Rule(fault, path, times))

    def set_random(
        self,
        probability: float,
        faults: tuple[Fault, ...],
        *,
        seed: int = 0,
        path: str = "/api/sync/push",
    ) -> None:
        with self._lock:
            self._random = (probability, faults, random.Random(seed), path)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._random = None

    def _choose(self, path: str) -> Fault | None:
        with self._lock:
            self.requests[path.split("?")[0]] += 1
            for rule in self._rules:
                if path.startswith(rule.path) and rule.times > 0:
                    rule.times -= 1
                    self.applied[rule.fault] += 1
                    return rule.fault
            if self._random is not None:
                probability, faults, rng, prefix = self._random
                if path.startswith(prefix) and rng.random() < probability:
                    fault = rng.choice(faults)
                    self.applied[fault] += 1
                    return fault
        return None

    # --- the proxy (loop thread) ---------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, 0, backlog=1024)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while True:
                head, body = await _read_message(reader, request=True)
                path = head.split(b" ", 2)[1].decode("latin-1")
                fault = self._choose(path)
                if fault is Fault.UNAVAILABLE:
                    writer.write(_unavailable(self.retry_after))
                    await writer.drain()
                    continue
                if fault is Fault.DELAY:
                    await asyncio.sleep(self.delay_s)
                if upstream is None:
                    upstream = await asyncio.open_connection(self.host, self.upstream_port)
                up_reader, up_writer = upstream
                if fault is Fault.CUT_REQUEST:
                    up_writer.write(head + body[: len(body) // 2])
                    await up_writer.drain()
                    await asyncio.sleep(0.05)
                    return
                forwarded_at = time.perf_counter()
                up_writer.write(head + body)
                await up_writer.drain()
                if self.on_forwarded is not None:
                    hook = self.on_forwarded
                    await asyncio.get_running_loop().run_in_executor(None, hook, path)
                answer_head, answer_body = await _read_message(up_reader, request=False)
                self.latencies_ms.append((time.perf_counter() - forwarded_at) * 1000)
                if fault is Fault.DROP_RESPONSE:
                    return
                if fault is Fault.CUT_RESPONSE:
                    writer.write(answer_head + answer_body[: len(answer_body) // 2])
                    await writer.drain()
                    return
                writer.write(answer_head + answer_body)
                await writer.drain()
                if b"connection: close" in answer_head.lower():
                    return
        except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
            return
        finally:
            for w in (writer, upstream[1] if upstream else None):
                if w is not None:
                    with contextlib.suppress(Exception):
                        w.close()


async def _read_message(reader: asyncio.StreamReader, *, request: bool) -> tuple[bytes, bytes]:
    """One HTTP message: (head with the blank line, body as sent on the wire)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = bytearray()
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            body += size_line + chunk
            if size == 0:
                return head, bytes(body)
    length = 0
    for line in lower.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if not request and (head.split(b" ", 2)[1] in (b"204", b"304")):
        length = 0
    return head, await reader.readexactly(length)


def _unavailable(retry_after: int) -> bytes:
    body = (
        b'{"type":"about:blank","title":"Service Unavailable","status":503,'
        b'"detail":"injected by the fault proxy"}'
    )
    return (
        b"HTTP/1.1 503 Service Unavailable\r\n"
        b"content-type: application/problem+json\r\n"
        + f"retry-after: {retry_after}\r\ncontent-length: {len(body)}\r\n\r\n".encode()
        + body
    )
