"""Dependencies every router uses: a database session and the caller's identity.

Every route must depend on exactly one of ``CurrentUser``, ``ProctorDep`` or
``AdminDep`` (or be one of the public ones); tests/server/test_access.py checks that
each registered route answers 401/403 as its rule says.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from medxam_server.config import Settings
from medxam_server.models import User
from medxam_server.services.accounts import auth
from medxam_server.services.errors import Forbidden, Unauthorized

_bearer = HTTPBearer(auto_error=False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the handler returns, else rolled back.

    Used with ``scope="function"`` so the commit happens before the response is sent
    (API.md rule 1: the server commits before it answers).
    """
    factory = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


# The dependencies that do no I/O are ``async``: FastAPI runs a plain ``def`` dependency
# in its thread pool, a hand-off that cost more than the work (B4: several per request).


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


async def get_token(credentials: BearerDep) -> str:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Sign in first: this needs a bearer token.")
    return credentials.credentials


TokenDep = Annotated[str, Depends(get_token)]


def get_current_user(request: Request, token: TokenDep) -> User:
    # Its own short transaction, so a rejected token never holds the request's session.
    factory = request.app.state.session_factory
    with factory() as session:
        return auth.user_for_token(session, token)


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_proctor(user: CurrentUser) -> User:
    """Proctors and admins."""
    if user.role not in ("proctor", "admin"):
        raise Forbidden("This needs a proctor or an admin.")
    return user


async def require_admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise Forbidden("This needs an admin.")
    return user


ProctorDep = Annotated[User, Depends(require_proctor)]
AdminDep = Annotated[User, Depends(require_admin)]
