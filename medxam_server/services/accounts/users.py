"""Server accounts (admins and proctors): list, read, change, delete.

Creating one is ``services.auth.create_user``. The last admin can be neither deleted
nor demoted, so the server can always be administered.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from medxam_server.models import AuthSession, User, utcnow
from medxam_server.security import hash_password
from medxam_server.services.accounts.auth import ROLES
from medxam_server.services.common import (
    delete_or_conflict,
    flush_or_conflict,
    get_or_404,
    paginate,
)
from medxam_server.services.errors import Conflict, Invalid


def list_users(session: Session, *, page: int, per_page: int) -> tuple[Sequence[User], int]:
    return paginate(session, select(User).order_by(User.username), page=page, per_page=per_page)


def get_user(session: Session, user_id: str) -> User:
    return get_or_404(session, User, user_id, "user")


def update_user(
    session: Session,
    user_id: str,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str | None,
) -> User:
    """Replace a user's fields; a new password also ends every session of that user."""
    if role not in ROLES:
        raise Invalid(f"role must be one of {', '.join(ROLES)}")
    user = get_user(session, user_id)
    if username != user.username and _username_taken(session, username):
        raise Conflict(f"a user named {username!r} already exists")
    if user.role == "admin" and role != "admin":
        _keep_one_admin(session, user)
    user.username = username
    user.full_name = full_name
    user.role = role
    if password is not None:
        user.password_hash = hash_password(password)
        revoke_sessions(session, user.id)
    flush_or_conflict(session, f"a user named {username!r} already exists")
    return user


def delete_user(session: Session, user_id: str, *, acting_user_id: str) -> None:
    user = get_user(session, user_id)
    if user.id == acting_user_id:
        raise Conflict("You cannot delete your own account.")
    if user.role == "admin":
        _keep_one_admin(session, user)
    delete_or_conflict(
        session, user, "This user has created attempts or sync batches and cannot be deleted."
    )


def revoke_sessions(session: Session, user_id: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username)) is not None


def _keep_one_admin(session: Session, user: User) -> None:
    admins = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
    if (admins or 0) <= 1:
        raise Conflict(f"{user.username!r} is the last admin; make another admin first.")
