"""Users, login sessions and login throttling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from medxam_server.db.session import transaction
from medxam_server.models import AuthSession, User, utcnow
from medxam_server.security import hash_password, hash_token, new_token, verify_password
from medxam_server.services.accounts import login_throttle
from medxam_server.services.errors import Conflict, Invalid, Unauthorized

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
    factory: sessionmaker[Session],
    *,
    username: str,
    password: str,
    address: str,
    session_hours: float,
    limits: login_throttle.Limits,
) -> LoginResult:
    """A new session for good credentials; the same 401 for unknown user or bad password.

    The sign-in is counted against its username and client address before the password
    is checked (``login_throttle``); past either limit every sign-in answers 429 with
    Retry-After until that key's window passes, even with the right password. Two
    short transactions: no database connection is held while Argon2 runs.
    """
    now = utcnow()
    with transaction(factory) as session:
        slot = login_throttle.take(
            session, username=username, address=address, limits=limits, now=now
        )
        user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized(BAD_CREDENTIALS)
    token = new_token()
    expires_at = utcnow() + timedelta(hours=session_hours)
    with transaction(factory) as session:
        login_throttle.give_back(session, slot)
        session.add(
            AuthSession(user_id=user.id, token_hash=hash_token(token), expires_at=expires_at)
        )
        login_throttle.forget_expired(session, now=now, window_seconds=limits.window_seconds)
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
