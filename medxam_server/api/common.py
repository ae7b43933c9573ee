"""Pieces the setup routers share: id types, pagination parameters, documented errors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import AfterValidator, BaseModel, Field, WithJsonSchema

from medxam_server.services.common import MAX_PER_PAGE


def _canonical_uuid(value: str) -> str:
    return str(uuid.UUID(value))


# A UUID in a request body, handed to services as its canonical string.
Id = Annotated[
    str, AfterValidator(_canonical_uuid), WithJsonSchema({"type": "string", "format": "uuid"})
]
Name = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=100_000)]


@dataclass(frozen=True, slots=True)
class PageParams:
    page: int
    per_page: int


async def page_params(
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 50,
) -> PageParams:
    return PageParams(page=page, per_page=per_page)


PageDep = Annotated[PageParams, Depends(page_params)]


class ProblemError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """An ``application/problem+json`` answer (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ProblemError] | None = None


_DESCRIPTIONS = {
    304: "Not modified: the caller's copy (If-None-Match) is current",
    400: "Bad request",
    404: "No such resource",
    409: "Conflict with the current state (a unique value taken, a row still in use)",
    413: "Request body over the size limit",
    415: "Unsupported media type",
    422: "The request is not valid",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: these statuses answer problem+json."""
    return {
        status: {
            "description": _DESCRIPTIONS.get(status, "Error"),
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
        for status in statuses
    }
