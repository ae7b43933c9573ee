"""Groups of takers (a cohort sitting a delivery together) and their membership."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from medxam_server.models import Group, GroupMember, Taker
from medxam_server.services.common import (
    delete_or_conflict,
    flush_or_conflict,
    get_or_404,
    paginate,
)
from medxam_server.services.errors import Conflict, Invalid


def list_groups(session: Session, *, page: int, per_page: int) -> tuple[Sequence[Group], int]:
    return paginate(session, select(Group).order_by(Group.name), page=page, per_page=per_page)


def get_group(session: Session, group_id: str) -> Group:
    return get_or_404(session, Group, group_id, "group")


def create_group(session: Session, *, name: str, description: str) -> Group:
    _check_name_free(session, name)
    group = Group(name=name, description=description)
    session.add(group)
    flush_or_conflict(session, f"a group named {name!r} already exists")
    return group


def update_group(session: Session, group_id: str, *, name: str, description: str) -> Group:
    group = get_group(session, group_id)
    if name != group.name:
        _check_name_free(session, name)
    group.name = name
    group.description = description
    flush_or_conflict(session, f"a group named {name!r} already exists")
    return group


def delete_group(session: Session, group_id: str) -> None:
    group = get_group(session, group_id)
    delete_or_conflict(session, group, "Deliveries use this group; delete them first.")


def group_takers(
    session: Session, group_id: str, *, page: int, per_page: int
) -> tuple[Sequence[Taker], int]:
    get_group(session, group_id)
    statement = (
        select(Taker)
        .join(GroupMember, GroupMember.taker_id == Taker.id)
        .where(GroupMember.group_id == group_id)
        .order_by(Taker.candidate_number)
    )
    return paginate(session, statement, page=page, per_page=per_page)


def replace_group_takers(session: Session, group_id: str, taker_ids: Sequence[str]) -> list[str]:
    """Make the group's members exactly ``taker_ids``; unknown ids are a 422, nothing changed."""
    get_group(session, group_id)
    wanted = list(dict.fromkeys(taker_ids))
    check_takers_exist(session, wanted, loc=("body", "taker_ids"))
    session.execute(delete(GroupMember).where(GroupMember.group_id == group_id))
    if wanted:
        session.execute(
            insert(GroupMember), [{"group_id": group_id, "taker_id": t} for t in wanted]
        )
    return sorted(wanted)


def check_takers_exist(
    session: Session, taker_ids: Sequence[str], *, loc: tuple[str | int, ...]
) -> None:
    known = _existing(session, Taker.id, taker_ids)
    errors = [
        {"loc": [*loc, i], "msg": f"there is no taker with id {taker_id}"}
        for i, taker_id in enumerate(taker_ids)
        if taker_id not in known
    ]
    if errors:
        raise Invalid("Some takers do not exist.", errors=errors)


def check_groups_exist(
    session: Session, group_ids: Sequence[str], *, loc: tuple[str | int, ...]
) -> None:
    known = _existing(session, Group.id, group_ids)
    errors = [
        {"loc": [*loc, i], "msg": f"there is no group with id {group_id}"}
        for i, group_id in enumerate(group_ids)
        if group_id not in known
    ]
    if errors:
        raise Invalid("Some groups do not exist.", errors=errors)


def _existing(session: Session, column: InstrumentedAttribute[str], ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    found: set[str] = set()
    unique = list(set(ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def _check_name_free(session: Session, name: str) -> None:
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise Conflict(f"a group named {name!r} already exists")
