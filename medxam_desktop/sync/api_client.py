"""The one httpx client for the MedXam API; translates httpx failures into our errors."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from medxam_desktop.errors import (
    AuthError,
    OfflineError,
    ProtocolRefusedError,
    ServerBusyError,
    ServerRejectedError,
    SyncError,
    WorkstationRefusedError,
)
from medxam_desktop.sync.http_answers import (
    json_or_reject,
    problem_detail,
    protocol_detail,
    raise_for_common,
    retry_after,
    transport_error,
)
from medxam_desktop.sync.wire import (
    PACKAGE_LIMIT_BYTES,
    DeliverySummary,
    PackageDownload,
    SignedInUser,
    parse_delivery,
    parse_user,
)

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

# httpx is imported when the first request is made, not at start-up (benchmark B3), so
# timeouts are httpx's (connect, read, write, pool) tuples rather than ``httpx.Timeout``s.
Timeout = tuple[float, float, float, float]


def _timeout(seconds: float, *, connect: float) -> Timeout:
    """``httpx.Timeout(seconds, connect=connect)`` as a tuple."""
    return (connect, seconds, seconds, seconds)


DEFAULT_TIMEOUT = _timeout(10.0, connect=5.0)
# A package can be large (media); a slow read between chunks is still a failure.
DOWNLOAD_TIMEOUT = _timeout(30.0, connect=5.0)
DOWNLOAD_CHUNK_BYTES = 64 * 1024
PAGE_SIZE = 500
# A 1 MiB batch is committed in one transaction; a busy server may take a while.
PUSH_TIMEOUT = _timeout(30.0, connect=5.0)
BUNDLE_TIMEOUT = _timeout(120.0, connect=5.0)

# Called from the download thread with (bytes received, total bytes or None).
ProgressCallback = Callable[[int, int | None], None]

__all__ = [
    "ApiClient",
    "DeliverySummary",
    "DownloadCancelled",
    "PackageDownload",
    "ProgressCallback",
    "ServerHealth",
    "SignInRefused",
    "SignedInUser",
    "problem_detail",
]


class SignInRefused(AuthError):
    """The server did not accept the user name and password."""

    user_text = "The user name or password is not right. Check Caps Lock and try again."


class DownloadCancelled(SyncError):
    """The proctor cancelled a download; nothing was kept."""

    user_text = "The download was cancelled."


@dataclass(frozen=True, slots=True)
class ServerHealth:
    status: str
    database: str
    version: str


class ApiClient:
    """A thin, typed wrapper around the HTTP contract in API.md.

    ``token`` is the bearer token of the signed-in proctor (``None`` when signed out).
    One client may be used from several threads: httpx.Client is thread-safe. It is made
    (and httpx imported) on the first request, usually on a worker thread.
    """

    def __init__(
        self, base_url: str, *, token: str | None = None, timeout: Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._timeout = timeout
        self._http: httpx.Client | None = None
        self._http_lock = threading.Lock()
        self._closed = False

    @property
    def _client(self) -> httpx.Client:
        with self._http_lock:
            if self._http is None:
                if self._closed:
                    raise RuntimeError("Cannot send a request, as the client has been closed.")
                import httpx

                self._http = httpx.Client(base_url=self.base_url + "/api", timeout=self._timeout)
            return self._http

    def close(self) -> None:
        with self._http_lock:
            self._closed = True
            if self._http is not None:
                self._http.close()

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        try:
            response = self._client.request(method, path, headers=headers, **kwargs)
        except transport_error() as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc
        raise_for_common(response)
        return response

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request with this client's token, for the other ``sync/`` modules
        (e.g. ``results_api``): no answer is an ``OfflineError``, 401 an ``AuthError``,
        403 a ``ServerRejectedError``, 5xx an ``OfflineError``; other statuses are the
        caller's to read. ``kwargs`` are httpx's (``params``, ``json``, ``timeout``…)."""
        return self._request(method, path, **kwargs)

    @contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """``request`` with the body left unread (``iter_bytes`` it); a transport error
        while reading is an ``OfflineError`` too."""
        headers = self._headers(kwargs.pop("headers", None))
        try:
            with self._client.stream(method, path, headers=headers, **kwargs) as response:
                if response.status_code >= 400:
                    response.read()
                    raise_for_common(response)
                yield response
        except transport_error() as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc

    def health(self) -> ServerHealth:
        """``GET /api/health``; raises ``OfflineError`` when the server or its database is down."""
        response = self._request("GET", "/health")
        if response.status_code != 200:
            raise ServerRejectedError(problem_detail(response))
        body = response.json()
        return ServerHealth(
            status=body["status"], database=body["database"], version=body["version"]
        )

    # --- sessions -------------------------------------------------------------------

    def login(self, username: str, password: str) -> tuple[str, SignedInUser]:
        """``POST /api/auth/login``; keeps the token on this client and returns it."""
        try:
            response = self._request(
                "POST", "/auth/login", json={"username": username, "password": password}
            )
        except AuthError as exc:
            raise SignInRefused() from exc
        if response.status_code == 429:
            raise ServerRejectedError(
                "Too many failed sign-ins for this name. Wait a few minutes, then try again."
            )
        body = json_or_reject(response, 200)
        token = str(body["token"])
        self.token = token
        user = parse_user(body["user"])
        log.info("signed in as user %s (%s)", user.id, user.role)
        return token, user

    def logout(self, token: str | None = None) -> None:
        """``POST /api/auth/logout`` for ``token`` (default: this client's own token).

        This client's token is dropped whatever the server says; a token that has already
        expired or been revoked counts as signed out.
        """
        token = token or self.token
        if self.token == token:
            self.token = None
        if not token:
            return
        try:
            response = self._client.post(
                "/auth/logout", headers={"Authorization": f"Bearer {token}"}
            )
        except transport_error() as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc
        if response.status_code not in (204, 200, 401):
            log.warning("logout answered HTTP %s", response.status_code)

    def me(self) -> SignedInUser:
        """``GET /api/auth/me``: who the token belongs to (``AuthError`` if it is no good)."""
        return parse_user(json_or_reject(self._request("GET", "/auth/me"), 200))

    # --- deliveries and packages --------------------------------------------------------

    def list_deliveries(self) -> list[DeliverySummary]:
        """Every delivery the caller may see, all pages, in the server's order."""
        deliveries: list[DeliverySummary] = []
        page = 1
        while True:
            response = self._request(
                "GET", "/deliveries", params={"page": page, "per_page": PAGE_SIZE}
            )
            body = json_or_reject(response, 200)
            items = body.get("items", [])
            deliveries.extend(parse_delivery(item) for item in items)
            if not items or len(deliveries) >= int(body.get("total", 0)):
                return deliveries
            page += 1

    def download_package(
        self,
        delivery_id: str,
        *,
        progress: ProgressCallback | None = None,
        etag: str | None = None,
        cancel: threading.Event | None = None,
    ) -> PackageDownload:
        """``GET /api/deliveries/{id}/package``, streamed, reporting progress.

        With ``etag`` (from an earlier download) an unchanged package answers 304 and
        ``PackageDownload.not_modified`` is true. Setting ``cancel`` stops the download
        between chunks with ``DownloadCancelled``.
        """
        headers = self._headers({"If-None-Match": etag} if etag else None)
        path = f"/deliveries/{delivery_id}/package"
        try:
            with self._client.stream(
                "GET", path, headers=headers, timeout=DOWNLOAD_TIMEOUT
            ) as response:
                if response.status_code == 304:
                    return PackageDownload(body=None, etag=etag, not_modified=True)
                if response.status_code != 200:
                    response.read()
                    raise_for_common(response)
                    if response.status_code == 404:
                        raise ServerRejectedError("The server has no such delivery any more.")
                    raise ServerRejectedError(problem_detail(response))
                body = _read_with_progress(response, progress, cancel)
        except transport_error() as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc
        log.info("downloaded package for delivery %s (%d bytes)", delivery_id, len(body))
        return PackageDownload(body=body, etag=response.headers.get("ETag"), not_modified=False)

    # --- batch sync -------------------------------------------------------------------

    def push_batch(
        self, body: bytes, *, idempotency_key: str, signature: str | None = None
    ) -> dict[str, Any]:
        """``POST /api/sync/push`` with the batch's exact bytes; the receipt.

        ``signature`` is the workstation's ``X-Workstation-Signature`` (workstation_key).
        ``OfflineError`` (no answer), ``ServerBusyError`` (5xx, 409, 429: retry, honouring
        ``retry_after``), ``AuthError`` (401), ``ProtocolRefusedError`` (426),
        ``WorkstationRefusedError`` (403: not accepted as this workstation),
        ``ServerRejectedError`` (anything else retrying will not fix)."""
        extra = {"Idempotency-Key": idempotency_key, "Content-Type": "application/json"}
        if signature is not None:
            extra["X-Workstation-Signature"] = signature
        return self._sync_call(
            "POST",
            "/sync/push",
            content=body,
            headers=self._headers(extra),
            timeout=PUSH_TIMEOUT,
            forbidden=WorkstationRefusedError,
        )

    def sync_state(self, workstation_id: str) -> dict[str, Any]:
        """``GET /api/sync/state``: the server's high-water mark and clock."""
        return self._sync_call(
            "GET",
            "/sync/state",
            params={"workstation_id": workstation_id},
            headers=self._headers(),
        )

    def register_workstation_key(self, workstation_id: str, public_key: str) -> dict[str, Any]:
        """``PUT /api/workstations/{id}/key`` (base64 raw Ed25519 key); 409 is a
        ``ServerRejectedError``: another key is registered for this workstation; 403 a
        ``WorkstationRefusedError``: the workstation belongs to another user."""
        return self._sync_call(
            "PUT",
            f"/workstations/{workstation_id}/key",
            json={"public_key": public_key},
            headers=self._headers(),
            conflict_retryable=False,
            forbidden=WorkstationRefusedError,
        )

    def import_bundle(self, raw_bundle: bytes) -> dict[str, Any]:
        """``POST /api/sync/bundle`` (admin): the receipt, as for a push."""
        headers = self._headers({"Content-Type": "application/octet-stream"})
        return self._sync_call(
            "POST", "/sync/bundle", content=raw_bundle, headers=headers, timeout=BUNDLE_TIMEOUT
        )

    def _sync_call(
        self,
        method: str,
        path: str,
        *,
        conflict_retryable: bool = True,
        forbidden: type[ServerRejectedError] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, **kwargs)
        except transport_error() as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc
        status = response.status_code
        if status == 200:
            return json_or_reject(response, 200)
        detail = problem_detail(response)
        if status == 401:
            raise AuthError(detail)
        if status == 426:
            raise ProtocolRefusedError(protocol_detail(response))
        if status >= 500 or status == 429 or (status == 409 and conflict_retryable):
            raise ServerBusyError(f"HTTP {status}: {detail}", retry_after=retry_after(response))
        if status == 403 and forbidden is not None:
            raise forbidden(f"The server said: {detail}")
        if status == 403:
            raise ServerRejectedError("Your account may not do this (proctors and admins only).")
        raise ServerRejectedError(f"HTTP {status}: {detail}")


def _read_with_progress(
    response: httpx.Response, progress: ProgressCallback | None, cancel: threading.Event | None
) -> bytes:
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else None
    received = bytearray()
    if progress is not None:
        progress(0, total)
    for chunk in response.iter_bytes(DOWNLOAD_CHUNK_BYTES):
        if cancel is not None and cancel.is_set():
            raise DownloadCancelled()
        received.extend(chunk)
        if len(received) > PACKAGE_LIMIT_BYTES:
            raise ServerRejectedError("The package is larger than any exam package can be.")
        if progress is not None:
            progress(len(received), total)
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled()
    return bytes(received)
