"""What the server's JSON answers become on the desktop: small frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from medxam_desktop.errors import ServerRejectedError

# No exam package comes near this; a bigger answer is a wrong or hostile server.
PACKAGE_LIMIT_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SignedInUser:
    id: str
    username: str
    full_name: str
    role: str  # "admin" | "proctor"


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """One scheduled sitting as ``GET /api/deliveries`` lists it (the start code is dropped)."""

    id: str
    title: str
    exam_id: str
    group_id: str
    opens_at: datetime
    closes_at: datetime
    location: str | None

    def is_open_at(self, moment: datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


@dataclass(frozen=True, slots=True)
class PackageDownload:
    """The package's bytes, or ``not_modified`` when the ETag still matched (HTTP 304)."""

    body: bytes | None
    etag: str | None
    not_modified: bool


def parse_user(raw: Any) -> SignedInUser:
    try:
        return SignedInUser(
            id=str(raw["id"]),
            username=str(raw["username"]),
            full_name=str(raw.get("full_name") or raw["username"]),
            role=str(raw["role"]),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ServerRejectedError(
            "The server described the user in a way this program cannot read."
        ) from exc


def parse_delivery(raw: Any) -> DeliverySummary:
    try:
        location = raw.get("location")
        return DeliverySummary(
            id=str(raw["id"]),
            title=str(raw["title"]),
            exam_id=str(raw["exam_id"]),
            group_id=str(raw["group_id"]),
            opens_at=parse_time(raw["opens_at"]),
            closes_at=parse_time(raw["closes_at"]),
            location=str(location) if location else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ServerRejectedError("The server listed a delivery this program cannot read.") from exc


def parse_time(value: str) -> datetime:
    """An RFC 3339 time as a UTC-aware datetime (a naive one is taken as UTC)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
