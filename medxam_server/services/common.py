"""Helpers every setup service uses: paginated queries, lookups, unique violations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medxam_server.services.errors import Conflict, NotFound

T = TypeVar("T")

MAX_PER_PAGE = 500


def paginate(
    session: Session, statement: Select[T], *, page: int, per_page: int
) -> tuple[Sequence[T], int]:
    """One page of ``statement`` (already ordered) and the total number of rows."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    rows = session.scalars(statement.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, int(total or 0)


def get_or_404(session: Session, model: type[T], item_id: str, what: str) -> T:
    """The row with this id, or ``NotFound`` naming what was looked for."""
    row = session.get(model, item_id)
    if row is None:
        raise NotFound(f"There is no {what} with id {item_id}.")
    return row


def flush_or_conflict(session: Session, detail: str) -> None:
    """Flush pending changes; a constraint violation becomes ``Conflict`` (409), not a 500.

    The unit of work is unusable afterwards and is rolled back by its owner, so nothing
    is half-applied.
    """
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(detail) from exc


def delete_or_conflict(session: Session, row: Any, detail: str) -> None:
    """Delete ``row``; rows still referring to it (RESTRICT) make this a 409."""
    try:
        session.delete(row)
        session.flush()
    except IntegrityError as exc:
        raise Conflict(detail) from exc
