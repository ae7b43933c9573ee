"""problem+json (RFC 9457) for every error the API answers; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from medxam_server.services.errors import ServiceError, TooManyRequests

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        **(extensions or {}),
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def database_unavailable(retry_after: int) -> JSONResponse:
    return problem(
        503,
        "Service unavailable",
        "The database is unreachable; try again shortly.",
        headers={"Retry-After": str(retry_after)},
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", ""))} for err in exc.errors()
    ]


def install(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers that turn every failure into problem+json."""

    @app.exception_handler(ServiceError)
    async def service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        headers = None
        if isinstance(exc, TooManyRequests):
            headers = {"Retry-After": str(exc.retry_after)}
        if exc.status == 401:
            headers = {"WWW-Authenticate": "Bearer"}
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            errors=exc.errors or None,
            headers=headers,
            extensions=exc.extensions,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code, "Error")
        return problem(
            exc.status_code, title, str(exc.detail), headers=dict(exc.headers or {}) or None
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem(
            422,
            "Unprocessable content",
            "The request is not valid.",
            errors=_validation_errors(exc),
        )

    @app.exception_handler(ClientDisconnect)
    async def client_gone(_request: Request, _exc: ClientDisconnect) -> JSONResponse:
        """The client hung up while sending its body: nothing was applied, and nobody is
        left to read an answer. Workstations retry such batches; it is not a server fault."""
        log.info("client disconnected before its request body arrived")
        return problem(400, "Bad request", "The request body did not arrive.")

    @app.exception_handler(PoolTimeoutError)
    async def database_busy(_request: Request, _exc: PoolTimeoutError) -> JSONResponse:
        """Every pooled connection stayed busy: an overload, so the client backs off."""
        log.warning("no database connection free within the pool timeout")
        return database_unavailable(retry_after)

    @app.exception_handler(OperationalError)
    async def database_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("database unreachable: %s", type(exc.orig).__name__)
        return database_unavailable(retry_after)

    @app.exception_handler(DataError)
    async def unstorable_value(_request: Request, exc: DataError) -> JSONResponse:
        # A value the database refuses (PostgreSQL: the NUL character in text, a number
        # out of range); the transaction is rolled back, so nothing is half-applied.
        log.info("a value the database cannot store: %s", type(exc.orig).__name__)
        return problem(422, "Unprocessable", "A value in the request cannot be stored.")

    @app.exception_handler(UnicodeEncodeError)
    async def not_unicode(_request: Request, _exc: UnicodeEncodeError) -> JSONResponse:
        # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 text can hold.
        return problem(422, "Unprocessable", "Text in the request is not valid Unicode.")

    @app.exception_handler(DBAPIError)
    async def database_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        if exc.connection_invalidated:
            return database_unavailable(retry_after)
        log.error("database error: %s", type(exc.orig).__name__, exc_info=exc)
        return problem(500, "Internal server error", "The server could not complete the request.")

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return problem(500, "Internal server error", "The server could not complete the request.")
