"""Reading the server's answers: problem+json details, Retry-After, the errors every
endpoint shares. Split from ``api_client`` so the client holds the calls, this the words."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from medxam_desktop.errors import AuthError, OfflineError, ServerRejectedError

if TYPE_CHECKING:
    import httpx


def raise_for_common(response: httpx.Response) -> None:
    """The answers every endpoint shares: 401 (sign in again), 403, 5xx/503 (offline)."""
    status = response.status_code
    if status == 401:
        raise AuthError(problem_detail(response))
    if status == 403:
        raise ServerRejectedError("Your account may not do this (proctors and admins only).")
    if status >= 500:
        raise OfflineError(problem_detail(response))


def json_or_reject(response: httpx.Response, expected: int) -> dict[str, Any]:
    if response.status_code != expected:
        raise ServerRejectedError(problem_detail(response))
    try:
        body = response.json()
    except ValueError as exc:
        raise ServerRejectedError("The server sent an answer this program cannot read.") from exc
    if not isinstance(body, dict):
        raise ServerRejectedError("The server sent an answer this program cannot read.")
    return body


def problem_detail(response: httpx.Response) -> str:
    """The ``detail`` of a problem+json answer (or its title, or the status)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        return str(body.get("detail") or body.get("title") or f"HTTP {response.status_code}")
    return f"HTTP {response.status_code}"


def retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), None when absent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def protocol_detail(response: httpx.Response) -> str:
    try:
        supported = response.json().get("supported_protocols")
    except (ValueError, AttributeError):
        supported = None
    if isinstance(supported, list) and supported:
        versions = ", ".join(str(v) for v in supported)
        return f"The server accepts sync protocol version(s) {versions} only."
    return "The server refused this sync protocol version."


def transport_error() -> type[Exception]:
    """``httpx.TransportError`` (httpx is already imported: a request was made)."""
    import httpx

    return httpx.TransportError
