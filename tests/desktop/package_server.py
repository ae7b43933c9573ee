"""A small stdlib HTTP server whose pace and headers tests control (slow chunks, 304,
no Content-Length), standing in for the package endpoint where the real server cannot be
made slow on purpose.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PACKAGE = bytes(range(256)) * 1024  # 256 KiB: several chunks
ETAG = '"pkg-v1"'


class Handler(BaseHTTPRequestHandler):
    release = threading.Event()

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer good":
            self._send(401, b'{"detail": "Sign in first."}', "application/problem+json")
        elif self.path == "/api/deliveries/d1/package":
            if self.headers.get("If-None-Match") == ETAG:
                self.send_response(304)
                self.send_header("ETag", ETAG)
                self.end_headers()
                return
            self._send(200, PACKAGE, "application/json", etag=ETAG)
        elif self.path == "/api/deliveries/chunked/package":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(PACKAGE), 50_000):
                piece = PACKAGE[start : start + 50_000]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/api/deliveries/slow/package":
            self.send_response(200)
            self.send_header("Content-Length", str(len(PACKAGE)))
            self.end_headers()
            self.wfile.write(PACKAGE[:70_000])
            self.wfile.flush()
            self.release.wait(10)  # hold the rest back until the test lets go
            self.wfile.write(PACKAGE[70_000:])
        else:
            self._send(404, b'{"detail": "Not found"}', "application/problem+json")

    def _send(self, status: int, body: bytes, kind: str, *, etag: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def package_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    Handler.release.set()
    server.shutdown()
    server.server_close()
