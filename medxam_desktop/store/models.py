"""The store's schema: SQLAlchemy 2 models; Alembic migrations in ``migrations/`` mirror them.

Monotonic times (``*_ms``) are on the store's own monotonic timeline (see engine.py);
wall-clock times are kept as evidence only, as UTC text in the wire format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from medxam_desktop.domain.attempt import format_wire_time

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class WallTime(TypeDecorator[datetime]):
    """A UTC wall-clock time kept as ``2026-11-24T09:12:03.045Z`` text (millisecond precision)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else format_wire_time(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: WallTime, str: String}  # noqa: RUF012


class Meta(Base):
    """Key/value facts about this store (the workstation id)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Package(Base):
    """An offline package exactly as received: the exam content inside stays encrypted."""

    __tablename__ = "packages"

    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    delivery_title: Mapped[str] = mapped_column(String(200))
    exam_id: Mapped[str] = mapped_column(String(36))
    exam_title: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    question_count: Mapped[int] = mapped_column(Integer)
    roster: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime]


class Attempt(Base):
    """One candidate's sitting, with its time state (domain.timing.AttemptTime)."""

    __tablename__ = "attempts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("packages.delivery_id"), index=True)
    exam_id: Mapped[str] = mapped_column(String(36))
    taker_id: Mapped[str] = mapped_column(String(36))
    candidate_number: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(BigInteger)
    extension_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    used_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    checkpoint_ms: Mapped[int | None] = mapped_column(BigInteger)
    checkpoint_wall: Mapped[datetime | None]
    on_screen: Mapped[str | None] = mapped_column(String(36))
    checked_in_at: Mapped[datetime]
    checked_in_by: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    credited_downtime_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    last_downtime_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    record_count: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[str | None] = mapped_column(String(64))
    receipt_code: Mapped[str | None] = mapped_column(String(16))
    integrity: Mapped[str | None] = mapped_column(String(16))


class Transition(Base):
    """Every lifecycle step as evidence: who, when, on which question, why."""

    __tablename__ = "transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    by: Mapped[str | None] = mapped_column(String(36))
    question_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(Text)


class Answer(Base):
    """A question's state in an attempt: the answer (``[]`` = none), flag, cumulative time."""

    __tablename__ = "answers"

    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    answer: Mapped[list[str]] = mapped_column(JSON)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    time_spent_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    saved_at: Mapped[datetime | None]
    seq: Mapped[int | None] = mapped_column(BigInteger)  # outbox seq of the last answer.saved


class TimeSegment(Base):
    """A closed stretch of time with one question on screen (monotonic ms)."""

    __tablename__ = "time_segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"))
    question_id: Mapped[str] = mapped_column(String(36))
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    ended_at: Mapped[datetime]


class OutboxRow(Base):
    """Append-only: one record for the server. ``seq`` is gapless from 1 and never reused;
    rows are never deleted (``verified`` marks those whose attempt the server holds
    complete). Few indexes on purpose: every index is one more page written per answer."""

    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    attempt_id: Mapped[str] = mapped_column(ForeignKey("attempts.id"))
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[str] = mapped_column(String(32))  # the wire text, so a resend is identical
    data: Mapped[str] = mapped_column(Text)  # canonical JSON text, ditto
    state: Mapped[str] = mapped_column(String(12), default="pending")
    batch_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str | None] = mapped_column(Text)
    acknowledged_at: Mapped[datetime | None]
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class ProctorPin(Base):
    """A proctor who set a PIN here while online: the Argon2 hash, never the PIN."""

    __tablename__ = "proctor_pins"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime]


class PinFailures(Base):
    """Wrong PINs in a row per scope (a user name, or ``*`` for the exam window's close),
    kept here so that a restart does not reset the throttle."""

    __tablename__ = "pin_failures"

    scope: Mapped[str] = mapped_column(String(150), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_ms: Mapped[int] = mapped_column(BigInteger)  # the store's monotonic timeline
    last_failure_at: Mapped[datetime]


# Typed handles on the tables, for Core statements in the repositories.
META_TABLE = Base.metadata.tables["meta"]
PACKAGES = Base.metadata.tables["packages"]
ATTEMPTS = Base.metadata.tables["attempts"]
TRANSITIONS = Base.metadata.tables["transitions"]
OUTBOX = Base.metadata.tables["outbox"]
PROCTOR_PINS = Base.metadata.tables["proctor_pins"]
PIN_FAILURES = Base.metadata.tables["pin_failures"]
