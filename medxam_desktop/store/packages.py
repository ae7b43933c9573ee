"""Offline packages, kept exactly as received (the exam content inside stays encrypted)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.dialects.sqlite import insert

from medxam_desktop.domain.package import PackageInfo, RosterEntry, parse_package
from medxam_desktop.errors import ContentError
from medxam_desktop.store import models
from medxam_desktop.store.core import StoreCore

_PACKAGES = models.PACKAGES
_INFO_COLUMNS = [c for c in _PACKAGES.c if c.name != "raw"]


class PackageRepository:
    def __init__(self, core: StoreCore) -> None:
        self._core = core

    def save(self, raw_package: bytes) -> PackageInfo:
        """Keep the package as received (replacing an older one of the same delivery)."""
        info = parse_package(raw_package)
        roster = [
            {"taker_id": r.taker_id, "candidate_number": r.candidate_number,
             "full_name": r.full_name}
            for r in info.roster
        ]  # fmt: skip
        values = {
            "delivery_id": info.delivery_id, "delivery_title": info.delivery_title,
            "exam_id": info.exam_id, "exam_title": info.exam_title,
            "duration_minutes": info.duration_minutes, "question_count": info.question_count,
            "roster": roster, "raw": bytes(raw_package), "received_at": self._core.wall(),
        }  # fmt: skip
        statement = insert(_PACKAGES).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[_PACKAGES.c.delivery_id],
            set_={k: statement.excluded[k] for k in values if k != "delivery_id"},
        )
        with self._core.write() as connection:
            connection.execute(statement)
        return info

    def get_raw(self, delivery_id: str) -> bytes:
        query = select(_PACKAGES.c.raw).where(_PACKAGES.c.delivery_id == delivery_id)
        with self._core.read() as connection:
            raw = connection.execute(query).scalar()
        if raw is None:
            raise ContentError("this delivery's package is not on this workstation")
        return bytes(raw)

    def get(self, delivery_id: str) -> PackageInfo:
        query = select(*_INFO_COLUMNS).where(_PACKAGES.c.delivery_id == delivery_id)
        with self._core.read() as connection:
            row = connection.execute(query).first()
        if row is None:
            raise ContentError("this delivery's package is not on this workstation")
        return _info(row)

    def list(self) -> list[PackageInfo]:
        query = select(*_INFO_COLUMNS).order_by(_PACKAGES.c.received_at.desc())
        with self._core.read() as connection:
            return [_info(row) for row in connection.execute(query)]


def _info(row: Row[Any]) -> PackageInfo:
    return PackageInfo(
        delivery_id=row.delivery_id,
        delivery_title=row.delivery_title,
        exam_id=row.exam_id,
        exam_title=row.exam_title,
        duration_minutes=row.duration_minutes,
        question_count=row.question_count,
        roster=tuple(RosterEntry(**entry) for entry in row.roster),
    )
