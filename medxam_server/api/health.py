"""``GET /api/health``: liveness with a real database round trip."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from medxam_server import __version__
from medxam_server.api.problems import database_unavailable
from medxam_server.db.session import ping

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    version: str


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"description": "The database is unreachable"}},
)
def health(request: Request) -> Health | JSONResponse:
    try:
        ping(request.app.state.engine)
    except SQLAlchemyError:
        return database_unavailable(request.app.state.settings.retry_after_seconds)
    return Health(status="ok", database="ok", version=__version__)
