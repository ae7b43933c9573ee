"""Errors the services raise; the API layer turns them into problem+json answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ServiceError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        # Extra members of the problem body (RFC 9457 extensions), e.g. ``attempt_id``.
        self.extensions: dict[str, Any] = {}


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


class Invalid(ServiceError):
    status = 422
    title = "Unprocessable content"


class Unauthorized(ServiceError):
    status = 401
    title = "Unauthorized"


class Forbidden(ServiceError):
    status = 403
    title = "Forbidden"


class TooManyRequests(ServiceError):
    """429; ``retry_after`` is the Retry-After header's seconds."""

    status = 429
    title = "Too many requests"

    def __init__(
        self, detail: str, *, retry_after: int, errors: Sequence[dict[str, Any]] = ()
    ) -> None:
        super().__init__(detail, errors=errors)
        self.retry_after = retry_after
