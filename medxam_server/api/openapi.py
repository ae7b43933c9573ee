"""The OpenAPI document, made honest about errors.

Every error the API answers is ``application/problem+json``; FastAPI documents its own
422 as plain JSON in another shape. This rewrites every 4xx/5xx answer of every operation
to the ``Problem`` schema and adds the answers every route can give: 401 and 403 for routes
that need a token, 422 for routes that take input, 413 for routes with a body, and 503
(database unreachable) everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from medxam_server.api.common import Problem

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_COMMON = {
    401: "No valid sign-in (missing, bad, expired or revoked token)",
    403: "The caller's role may not do this",
    413: "Request body over the size limit",
    422: "The request is not valid",
    503: "The database is unreachable; retry after Retry-After seconds",
}


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, routes=app.routes, description=app.description
            )
            app.openapi_schema = _with_problems(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _with_problems(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for definition in components["Problem"].pop("$defs", {}).values():
        components.setdefault(definition["title"], definition)
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            _document_errors(operation)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def _document_errors(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    wanted = [503]
    if operation.get("security"):
        wanted += [401, 403]
    if operation.get("parameters") or operation.get("requestBody"):
        wanted.append(422)
    if operation.get("requestBody"):
        wanted.append(413)
    for status in wanted:
        responses.setdefault(str(status), {"description": _COMMON[status]})
    for code, response in responses.items():
        if code.isdigit() and int(code) >= 400:
            if int(code) == 422:
                response["description"] = _COMMON[422]
            response["content"] = {"application/problem+json": {"schema": PROBLEM_REF}}
