"""``/api/users``: server accounts (admin only)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response

from medxam_server.api.common import PageDep, problems
from medxam_server.api.deps import AdminDep, SessionDep
from medxam_server.api.people_schemas import UserDetail, UserIn, UserUpdate
from medxam_server.api.schemas import Page
from medxam_server.services.accounts import auth, users

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=Page[UserDetail])
def list_users(session: SessionDep, _admin: AdminDep, paging: PageDep) -> Page[UserDetail]:
    rows, total = users.list_users(session, page=paging.page, per_page=paging.per_page)
    return Page(
        items=[UserDetail.model_validate(r) for r in rows],
        total=total,
        page=paging.page,
        per_page=paging.per_page,
    )


@router.post("", status_code=201, response_model=UserDetail, responses=problems(409))
def create_user(body: UserIn, session: SessionDep, _admin: AdminDep) -> UserDetail:
    user = auth.create_user(
        session,
        username=body.username,
        password=body.password,
        full_name=body.full_name,
        role=body.role,
    )
    return UserDetail.model_validate(user)


@router.get("/{user_id}", response_model=UserDetail, responses=problems(404))
def get_user(user_id: UUID, session: SessionDep, _admin: AdminDep) -> UserDetail:
    return UserDetail.model_validate(users.get_user(session, str(user_id)))


@router.put("/{user_id}", response_model=UserDetail, responses=problems(404, 409))
def update_user(
    user_id: UUID, body: UserUpdate, session: SessionDep, _admin: AdminDep
) -> UserDetail:
    user = users.update_user(
        session,
        str(user_id),
        username=body.username,
        full_name=body.full_name,
        role=body.role,
        password=body.password,
    )
    return UserDetail.model_validate(user)


@router.delete("/{user_id}", status_code=204, response_class=Response, responses=problems(404, 409))
def delete_user(user_id: UUID, session: SessionDep, admin: AdminDep) -> Response:
    users.delete_user(session, str(user_id), acting_user_id=admin.id)
    return Response(status_code=204)
