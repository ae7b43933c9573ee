"""The one httpx client for the MedXam API; translates httpx failures into our errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from medxam_desktop.errors import AuthError, OfflineError, ServerRejectedError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True, slots=True)
class ServerHealth:
    status: str
    database: str
    version: str


class ApiClient:
    """A thin, typed wrapper around the HTTP contract in API.md."""

    def __init__(
        self, base_url: str, *, token: str | None = None, timeout: httpx.Timeout = DEFAULT_TIMEOUT
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._client = httpx.Client(base_url=self.base_url + "/api", timeout=timeout)
        self.token = token

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            response = self._client.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise OfflineError(f"{self.base_url}: {type(exc).__name__}") from exc
        if response.status_code == 401:
            raise AuthError(_problem_detail(response))
        return response

    def health(self) -> ServerHealth:
        """``GET /api/health``; raises ``OfflineError`` when the server or its database is down."""
        response = self._request("GET", "/health")
        if response.status_code == 503:
            raise OfflineError(_problem_detail(response))
        if response.status_code != 200:
            raise ServerRejectedError(_problem_detail(response))
        body = response.json()
        return ServerHealth(
            status=body["status"], database=body["database"], version=body["version"]
        )


def _problem_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"
