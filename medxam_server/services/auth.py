"""Users, login sessions and login throttling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from medxam_server.models import AuthSession, LoginFailure, User, utcnow
from medxam_server.security import hash_password, hash_token, new_token, verify_password
from medxam_server.services.errors import Conflict, Invalid, TooManyRequests, Unauthorized

ROLES = ("admin", "proctor")
BAD_CREDENTIALS = "The username or password is not correct."


@dataclass(frozen=True, slots=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


def create_user(
    session: Session, *, username: str, password: str, full_name: str, role: str
) -> User:
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"a user named {username!r} already exists")
    user = User(
        username=username,
        password_hash=hash_password(password),
        full_name=full_name,
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def login(
    session: Session,
    *,
    username: str,
    password: str,
    session_hours: float,
    max_failures: int,
    window_seconds: int,
) -> LoginResult:
    """A new session for good credentials; the same 401 for unknown user or bad password.

    After ``max_failures`` failures for a username within ``window_seconds``, every
    attempt answers 429 until the window passes (even with the right password).
    """
    now = utcnow()
    since = now - timedelta(seconds=window_seconds)
    failures = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username, LoginFailure.at >= since)
    )
    if (failures or 0) >= max_failures:
        raise TooManyRequests("Too many failed sign-ins; wait a few minutes and try again.")
    user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        session.add(LoginFailure(username=username, at=now))
        raise Unauthorized(BAD_CREDENTIALS)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    token = new_token()
    expires_at = now + timedelta(hours=session_hours)
    session.add(AuthSession(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at))
    return LoginResult(token=token, expires_at=expires_at, user=user)


# Every request runs it: built once, and only the user is loaded as an ORM object.
_USER_FOR_TOKEN = (
    select(User, AuthSession.revoked_at, AuthSession.expires_at)
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(AuthSession.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, token: str) -> User:
    """The user behind a live session token; ``Unauthorized`` otherwise."""
    row = session.execute(_USER_FOR_TOKEN, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthorized("The sign-in is not valid.")
    user, revoked_at, expires_at = row
    if revoked_at is not None or expires_at <= utcnow():
        raise Unauthorized("The sign-in has expired; sign in again.")
    return user


def logout(session: Session, token: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == hash_token(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
