"""Sign-in throttling (issue 13, finding 4): per username and per client address.

Every sign-in takes a slot of both of its keys (``user:NAME``, ``address:HOST``) BEFORE
the password is checked, in one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING``:
parallel requests, on any number of workers sharing the database, each see the count
their own slot made, so no more than the limit get to the password check per window.
A slot is given back when the password was right. A key's window is fixed: it starts at
its first counted sign-in (one not given back) and ends ``window_seconds`` later, when the
count starts over; ``Retry-After`` is the time until then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, delete, select, update
from sqlalchemy.orm import Session

from medxam_server.db import dialect
from medxam_server.models import LoginThrottle
from medxam_server.services.errors import TooManyRequests

_TABLE = cast(Table, LoginThrottle.__table__)
THROTTLED = "Too many failed sign-ins; wait a few minutes and try again."


@dataclass(frozen=True, slots=True)
class Limits:
    per_user: int
    per_address: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class Slot:
    """The slots one sign-in took: key -> the window they were counted in."""

    windows: dict[str, datetime]


def keys(username: str, address: str) -> dict[str, str]:
    """The throttle keys of a sign-in, each with the limit setting it counts against."""
    return {f"user:{username}": "per_user", f"address:{address}": "per_address"}


def take(session: Session, *, username: str, address: str, limits: Limits, now: datetime) -> Slot:
    """Count this sign-in against its username and address (one statement).

    Raises ``TooManyRequests`` (with ``retry_after``) when either key is over its limit;
    the caller's transaction is then rolled back, so a refused sign-in counts nothing.
    """
    wanted = keys(username, address)
    since = now - timedelta(seconds=limits.window_seconds)
    rows = session.execute(_upsert(dialect.is_postgres(session), list(wanted), now, since))
    windows: dict[str, datetime] = {}
    waits: list[int] = []
    for key, failures, window_start in rows:
        windows[key] = window_start
        if failures > getattr(limits, wanted[key]):
            # A parallel sign-in whose clock read came after ours may have started the
            # window: it never ends more than one window from now.
            left = window_start + timedelta(seconds=limits.window_seconds) - now
            waits.append(min(limits.window_seconds, max(1, math.ceil(left.total_seconds()))))
    if waits:
        raise TooManyRequests(THROTTLED, retry_after=max(waits))
    return Slot(windows)


def give_back(session: Session, slot: Slot) -> None:
    """The password was right: the sign-in no longer counts (in the window it took)."""
    for key, window_start in sorted(slot.windows.items()):
        session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.key == key,
                LoginThrottle.window_start == window_start,
                LoginThrottle.failures > 0,
            )
            .values(failures=LoginThrottle.failures - 1)
        )


def forget_expired(session: Session, *, now: datetime, window_seconds: int) -> None:
    """Delete keys whose window has passed; rows another sign-in holds are skipped
    (PostgreSQL: ``SKIP LOCKED``), so this never waits for, or deadlocks with, one."""
    since = now - timedelta(seconds=window_seconds)
    expired = (
        select(LoginThrottle.key)
        .where(LoginThrottle.window_start <= since)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(expired)))


def _upsert(postgres: bool, wanted: list[str], now: datetime, since: datetime) -> Any:
    at = bindparam("now", now, type_=_TABLE.c.window_start.type)
    # A key starts over when its window has passed, or when every sign-in counted in it
    # was given back (so a window starts with the first sign-in that may fail).
    since_param = bindparam("since", since, type_=_TABLE.c.window_start.type)
    expired = (_TABLE.c.window_start <= since_param) | (_TABLE.c.failures <= 0)
    # The keys in one fixed order, so two sign-ins lock their rows in the same order.
    return (
        dialect.insert_into(_TABLE, postgres)
        .values([{"key": key, "window_start": now, "failures": 1} for key in sorted(wanted)])
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((expired, 1), else_=_TABLE.c.failures + 1),
                "window_start": case((expired, at), else_=_TABLE.c.window_start),
            },
        )
        .returning(_TABLE.c.key, _TABLE.c.failures, _TABLE.c.window_start)
    )
