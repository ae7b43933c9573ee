"""SQLAlchemy 2 models of the server's database; Alembic migrations mirror them.

Ids are UUIDs (native on PostgreSQL). Points are kept as exact integers of
``services.points.UNITS_PER_POINT`` per point (``*_units`` columns), so sums never drift.
Times are stored in UTC and always read back timezone-aware.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite drops tz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC times")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 10000 or 0 in UTC (kept out since issue 13, finding 1)
            return (
                datetime.max.replace(tzinfo=UTC)
                if value.year > 1
                else datetime.min.replace(tzinfo=UTC)
            )


JSONType = JSON().with_variant(JSONB(), "postgresql")
UuidStr = Uuid(as_uuid=False)


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {datetime: UTCDateTime, str: String}  # noqa: RUF012


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- people and sessions -------------------------------------------------------------


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))  # "admin" | "proctor"
    password_hash: Mapped[str] = mapped_column(String(255))


class AuthSession(Base):
    """A bearer token's server-side session; only the token's SHA-256 is kept."""

    __tablename__ = "sessions"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(UuidStr, ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Sign-ins counted against one key (``user:NAME`` or ``address:HOST``) in its
    current window: one row per key, counted up by a single atomic upsert before the
    password is checked, so the throttle holds across workers (issue 13, finding 4)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(index=True)
    failures: Mapped[int] = mapped_column(Integer)


class Group(Timestamped, Base):
    __tablename__ = "groups"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")


class Taker(Timestamped, Base):
    """A candidate; has no server account (a proctor checks them in)."""

    __tablename__ = "takers"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    candidate_number: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    taker_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("takers.id", ondelete="CASCADE"), primary_key=True
    )


# --- content ------------------------------------------------------------------------


class QuestionSet(Timestamped, Base):
    __tablename__ = "question_sets"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")


class Question(Timestamped, Base):
    __tablename__ = "questions"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    question_set_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("question_sets.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(16))  # "single" | "multiple" | "true_false"
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[dict[str, str]]] = mapped_column(JSONType)  # [{"label", "text"}]
    key: Mapped[list[str]] = mapped_column(JSONType)
    points_units: Mapped[int] = mapped_column(BigInteger)
    penalty_units: Mapped[int] = mapped_column(BigInteger, default=0)
    explanation: Mapped[str | None] = mapped_column(Text)


class Exam(Timestamped, Base):
    __tablename__ = "exams"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    pass_score_units: Mapped[int] = mapped_column(BigInteger)
    shuffle_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    shuffle_options: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every change to the exam or its questions: offline packages are built
    # once per (delivery, version).
    version: Mapped[int] = mapped_column(Integer, default=1)


class ExamQuestion(Base):
    __tablename__ = "exam_questions"
    __table_args__ = (UniqueConstraint("exam_id", "question_id"),)

    exam_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1-based exam order
    question_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("questions.id", ondelete="RESTRICT"), index=True
    )


class ExamMedia(Base):
    """An image shipped with an exam, referred to as ``![](media:NAME)``."""

    __tablename__ = "exam_media"
    __table_args__ = (UniqueConstraint("exam_id", "name"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    exam_id: Mapped[str] = mapped_column(UuidStr, ForeignKey("exams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Delivery(Timestamped, Base):
    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    exam_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("exams.id", ondelete="RESTRICT"), index=True
    )
    group_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("groups.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    location: Mapped[str | None] = mapped_column(String(200))
    start_code: Mapped[str] = mapped_column(String(16))


class DeliveryProctor(Base):
    """A proctor assigned to a delivery: proctors see and act on assigned deliveries only
    (issue 13, finding 10); admins see every delivery."""

    __tablename__ = "delivery_proctors"

    delivery_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    assigned_by: Mapped[str | None] = mapped_column(
        UuidStr, ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryPackage(Base):
    """The encrypted offline package, built once per delivery and exam version."""

    __tablename__ = "delivery_packages"

    delivery_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("deliveries.id", ondelete="CASCADE"), primary_key=True
    )
    exam_version: Mapped[int] = mapped_column(Integer)
    etag: Mapped[str] = mapped_column(String(80))
    body: Mapped[bytes] = mapped_column(LargeBinary)  # the JSON document, UTF-8
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- attempts and answers -------------------------------------------------------------


class Attempt(Base):
    __tablename__ = "attempts"
    # One live attempt per taker and delivery (issue 13, finding 2): a taker's first
    # attempt in a delivery is sitting 1; only an admin's re-sit after a terminated
    # attempt makes sitting 2, 3, ... (services.attempts.start_attempt).
    __table_args__ = (
        Index(
            "uq_attempts_delivery_taker_sitting", "delivery_id", "taker_id", "sitting", unique=True
        ),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    delivery_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("deliveries.id", ondelete="RESTRICT"), index=True
    )
    exam_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("exams.id", ondelete="RESTRICT"), index=True
    )
    taker_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("takers.id", ondelete="RESTRICT"), index=True
    )
    workstation_id: Mapped[str | None] = mapped_column(UuidStr)
    status: Mapped[str] = mapped_column(String(16))  # in_progress | finished | terminated
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    score_units: Mapped[int | None] = mapped_column(BigInteger)
    penalty_units: Mapped[int | None] = mapped_column(BigInteger)
    max_score_units: Mapped[int] = mapped_column(BigInteger, default=0)
    score_source: Mapped[str] = mapped_column(String(8), default="auto")  # auto | manual
    created_by: Mapped[str] = mapped_column(UuidStr, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    integrity: Mapped[str] = mapped_column(String(12), default="unverified")
    record_count: Mapped[int | None] = mapped_column(Integer)  # from attempt.finished
    digest: Mapped[str | None] = mapped_column(String(64))
    receipt_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    sitting: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# ``attempt_questions.answer_mask``: bit b set when the answer holds the one-character
# label with bit b (A-Z = bits 0-25, a-z = 26-51, 0-9 = 52-61); a longer label sets
# OTHER_LABEL_BIT. Results read these integers instead of parsing every answer's JSON.
MASK_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
LABEL_BIT = {label: bit for bit, label in enumerate(MASK_LABELS)}
OTHER_LABEL_BIT = 62


def answer_mask(labels: Any) -> int:
    """The ``answer_mask`` of an answer (a list of option labels)."""
    mask = 0
    for label in labels or ():
        mask |= 1 << LABEL_BIT.get(label, OTHER_LABEL_BIT)
    return mask


def _answer_mask_default(context: Any) -> int:
    """An insert that gives ``answer`` but not ``answer_mask`` still gets the right mask."""
    return answer_mask(context.get_current_parameters().get("answer"))


class AttemptQuestion(Base):
    """One question of an attempt: the current answer and the time spent on it.

    ``answer_seq`` and ``time_seq`` are the workstation ``seq`` of the record that set
    the answer and the time, so the highest ``seq`` wins whatever order records arrive in.
    ``answer_mask`` is ``answer_mask(answer)``; every upsert that sets ``answer`` sets it too.
    """

    __tablename__ = "attempt_questions"

    # No foreign keys (migration 0003): every row is written by ingest (or endpoint 6)
    # for an attempt it has just read or created (attempts are never deleted) and a
    # question found in the exam's (cached) question list; the key checks per row were
    # most of the cost of inserting a batch's answers (B4).
    attempt_id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    question_id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    answer: Mapped[list[str]] = mapped_column(JSONType)
    time_spent_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    answered_at: Mapped[datetime | None]
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    is_correct: Mapped[bool | None] = mapped_column(Boolean)
    points_awarded_units: Mapped[int | None] = mapped_column(BigInteger)
    answer_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    time_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    answer_mask: Mapped[int] = mapped_column(BigInteger, default=_answer_mask_default)


class ScoreAudit(Base):
    """Every manual score change: who, when, what it was, what it became, and why."""

    __tablename__ = "score_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[str] = mapped_column(
        UuidStr, ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    changed_by: Mapped[str] = mapped_column(UuidStr, ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    old_score_units: Mapped[int | None] = mapped_column(BigInteger)
    old_penalty_units: Mapped[int | None] = mapped_column(BigInteger)
    new_score_units: Mapped[int | None] = mapped_column(BigInteger)
    new_penalty_units: Mapped[int | None] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)


# --- batch sync -----------------------------------------------------------------------


class Workstation(Base):
    __tablename__ = "workstations"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    high_water_mark: Mapped[int] = mapped_column(BigInteger, default=0)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Ed25519 public key (base64 of the raw 32 bytes) that signs this workstation's bundles.
    public_key: Mapped[str | None] = mapped_column(String(64))
    key_registered_at: Mapped[datetime | None]
    # Who registered its key, or first pushed for it (issue 13, finding 3). A workstation
    # with a key must sign every push with it; one without is pushed for by this user (or
    # an admin) only, until an admin hands it over (``workstation_events``). No foreign
    # key: a user is never deleted while batches of theirs are kept.
    owner_id: Mapped[str | None] = mapped_column(UuidStr)


class WorkstationEvent(Base):
    """Every change to who may act for a workstation: a key registered or replaced, an
    owner handed over, an attempt moved to it (with the attempt's id)."""

    __tablename__ = "workstation_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workstation_id: Mapped[str] = mapped_column(UuidStr, index=True)
    # key_registered | key_replaced | key_withdrawn | owner_changed | attempt_handover
    kind: Mapped[str] = mapped_column(String(24))
    attempt_id: Mapped[str | None] = mapped_column(UuidStr, index=True)
    old_value: Mapped[str | None] = mapped_column(String(64))
    new_value: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    by_user_id: Mapped[str] = mapped_column(UuidStr, ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncRecord(Base):
    """A fact a workstation observed, kept forever exactly as it was sent."""

    __tablename__ = "sync_records"
    __table_args__ = (
        UniqueConstraint("workstation_id", "seq"),
        Index("ix_sync_records_attempt_seq", "attempt_id", "seq"),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)
    workstation_id: Mapped[str] = mapped_column(UuidStr)
    seq: Mapped[int] = mapped_column(BigInteger)
    attempt_id: Mapped[str] = mapped_column(UuidStr)
    kind: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime]
    # json, not jsonb: stored and read back whole, never queried inside (migration 0004).
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    by: Mapped[str | None] = mapped_column(UuidStr)
    question_id: Mapped[str | None] = mapped_column(UuidStr)
    content_hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical record
    batch_id: Mapped[str] = mapped_column(UuidStr)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class SyncBatch(Base):
    """An ``Idempotency-Key`` and the receipt answered for it."""

    __tablename__ = "sync_batches"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True)  # the Idempotency-Key
    body_hash: Mapped[str] = mapped_column(String(64))
    workstation_id: Mapped[str] = mapped_column(UuidStr)
    user_id: Mapped[str] = mapped_column(UuidStr, ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(8), default="push")  # push | bundle
    status: Mapped[str] = mapped_column(String(12))  # processing | done
    receipt: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class QuarantinedRecord(Base):
    """A record the server rejected, kept for admins: nothing sent is thrown away."""

    __tablename__ = "quarantine"
    # The per-workstation cap counts a workstation's recent rows (issue 13, finding 9).
    __table_args__ = (Index("ix_quarantine_workstation_received", "workstation_id", "received_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    workstation_id: Mapped[str | None] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(UuidStr)
    # The record's seq and attempt as sent (when readable): a quarantined record is still
    # "held" for the high-water mark and for an attempt's integrity.
    seq: Mapped[int | None] = mapped_column(BigInteger)
    attempt_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[Any] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class IntegrityAlert(Base):
    """Something an admin must look at: a conflicting duplicate, a broken digest."""

    __tablename__ = "integrity_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(40))
    attempt_id: Mapped[str | None] = mapped_column(String(64), index=True)
    record_id: Mapped[str | None] = mapped_column(String(64))
    workstation_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
