"""Wire models for users, groups and takers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from medxam_server.api.common import Id, LongText, Name
from medxam_server.api.schemas import RequestModel, ResponseModel, Role, UserOut

Username = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Password = Annotated[str, Field(min_length=8, max_length=1024)]
CandidateNumber = Annotated[str, Field(min_length=1, max_length=64)]


class UserIn(RequestModel):
    username: Username
    password: Password
    full_name: Name
    role: Role


class UserUpdate(RequestModel):
    """Like ``UserIn``; leave ``password`` out to keep the current one."""

    username: Username
    password: Password | None = None
    full_name: Name
    role: Role


class UserDetail(UserOut):
    created_at: datetime
    updated_at: datetime


class GroupIn(RequestModel):
    name: Name
    description: LongText = ""


class GroupOut(ResponseModel):
    id: str
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class GroupTakersIn(RequestModel):
    taker_ids: list[Id] = Field(max_length=100_000)


class GroupTakersOut(ResponseModel):
    group_id: str
    taker_ids: list[str]


class TakerIn(RequestModel):
    candidate_number: CandidateNumber
    full_name: Name
    email: Annotated[str, Field(max_length=254)] | None = None
    group_ids: list[Id] | None = Field(default=None, max_length=1000)


class TakerOut(ResponseModel):
    id: str
    candidate_number: str
    full_name: str
    email: str | None
    group_ids: list[str]
    created_at: datetime
    updated_at: datetime


class TakerBrief(ResponseModel):
    id: str
    candidate_number: str
    full_name: str
    email: str | None


class TakersBulkIn(RequestModel):
    items: list[TakerIn] = Field(min_length=1, max_length=10_000)


class TakersBulkOut(ResponseModel):
    items: list[TakerOut]
