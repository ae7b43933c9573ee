"""Takers (candidates): one at a time or in bulk, always all or nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from medxam_server.models import GroupMember, Taker, new_id
from medxam_server.services.common import (
    delete_or_conflict,
    flush_or_conflict,
    get_or_404,
    paginate,
)
from medxam_server.services.errors import Conflict, Invalid
from medxam_server.services.setup.groups import check_groups_exist


@dataclass(frozen=True, slots=True)
class TakerData:
    candidate_number: str
    full_name: str
    email: str | None = None
    group_ids: Sequence[str] | None = None  # None: leave memberships as they are


@dataclass(frozen=True, slots=True)
class TakerView:
    id: str
    candidate_number: str
    full_name: str
    email: str | None
    group_ids: list[str]
    created_at: datetime
    updated_at: datetime


def list_takers(
    session: Session, *, page: int, per_page: int, group_id: str | None = None
) -> tuple[list[TakerView], int]:
    statement = select(Taker).order_by(Taker.candidate_number)
    if group_id is not None:
        statement = statement.join(GroupMember, GroupMember.taker_id == Taker.id).where(
            GroupMember.group_id == group_id
        )
    rows, total = paginate(session, statement, page=page, per_page=per_page)
    return views(session, rows), total


def get_taker(session: Session, taker_id: str) -> TakerView:
    return views(session, [get_or_404(session, Taker, taker_id, "taker")])[0]


def create_takers(
    session: Session, items: Sequence[TakerData], *, single: bool = False
) -> list[TakerView]:
    """Create every taker or none: duplicates and unknown groups are refused first.

    ``single`` says the request body is one taker rather than ``{"items": [...]}``, so
    error locations point at the right place.
    """

    def loc(i: int, field: str) -> list[str | int]:
        return ["body", field] if single else ["body", "items", i, field]

    numbers = [item.candidate_number for item in items]
    repeated = [
        {"loc": loc(i, "candidate_number"), "msg": "repeated in this request"}
        for i, number in enumerate(numbers)
        if number in numbers[:i]
    ]
    if repeated:
        raise Invalid("Candidate numbers must be unique.", errors=repeated)
    taken = _taken_numbers(session, numbers)
    if taken:
        errors = [
            {"loc": loc(i, "candidate_number"), "msg": "already exists"}
            for i, number in enumerate(numbers)
            if number in taken
        ]
        raise Conflict("Some candidate numbers already exist.", errors=errors)
    for i, item in enumerate(items):
        check_groups_exist(session, item.group_ids or (), loc=tuple(loc(i, "group_ids")))
    rows = [
        Taker(
            id=new_id(),
            candidate_number=item.candidate_number,
            full_name=item.full_name,
            email=item.email,
        )
        for item in items
    ]
    session.add_all(rows)
    flush_or_conflict(session, "Some candidate numbers already exist.")
    memberships = [
        {"group_id": group_id, "taker_id": row.id}
        for row, item in zip(rows, items, strict=True)
        for group_id in dict.fromkeys(item.group_ids or ())
    ]
    if memberships:
        session.execute(insert(GroupMember), memberships)
    return views(session, rows)


def update_taker(session: Session, taker_id: str, data: TakerData) -> TakerView:
    taker = get_or_404(session, Taker, taker_id, "taker")
    if data.candidate_number != taker.candidate_number and _taken_numbers(
        session, [data.candidate_number]
    ):
        raise Conflict(f"candidate number {data.candidate_number!r} already exists")
    if data.group_ids is not None:
        group_ids = list(dict.fromkeys(data.group_ids))
        check_groups_exist(session, group_ids, loc=("body", "group_ids"))
        session.execute(delete(GroupMember).where(GroupMember.taker_id == taker_id))
        if group_ids:
            session.execute(
                insert(GroupMember), [{"group_id": g, "taker_id": taker_id} for g in group_ids]
            )
    taker.candidate_number = data.candidate_number
    taker.full_name = data.full_name
    taker.email = data.email
    flush_or_conflict(session, f"candidate number {data.candidate_number!r} already exists")
    return views(session, [taker])[0]


def delete_taker(session: Session, taker_id: str) -> None:
    taker = get_or_404(session, Taker, taker_id, "taker")
    delete_or_conflict(session, taker, "This taker has attempts and cannot be deleted.")


def views(session: Session, takers: Sequence[Taker]) -> list[TakerView]:
    """Takers with their group ids, fetched in one query."""
    groups: dict[str, list[str]] = defaultdict(list)
    ids = [t.id for t in takers]
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(GroupMember.taker_id, GroupMember.group_id)
            .where(GroupMember.taker_id.in_(ids[start : start + 500]))
            .order_by(GroupMember.group_id)
        )
        for taker_id, group_id in rows:
            groups[taker_id].append(group_id)
    return [
        TakerView(
            id=t.id,
            candidate_number=t.candidate_number,
            full_name=t.full_name,
            email=t.email,
            group_ids=groups.get(t.id, []),
            created_at=t.created_at,
            updated_at=t.updated_at,
        )
        for t in takers
    ]


def _taken_numbers(session: Session, numbers: Sequence[str]) -> set[str]:
    taken: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        taken.update(
            session.scalars(select(Taker.candidate_number).where(Taker.candidate_number.in_(chunk)))
        )
    return taken
