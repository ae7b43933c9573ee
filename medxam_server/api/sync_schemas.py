"""Wire models of batch sync, receipts and workstation keys (API.md "Batch sync")."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from medxam_server.api.schemas import RequestModel

MAX_RECORDS = 10_000


class PushIn(RequestModel):
    protocol: int = Field(
        strict=True,  # the JSON integer only: "1", true and 1.0 answer 422 (issue 13, finding 7)
        description="the JSON integer 1; another integer answers 426",
    )
    workstation_id: UUID
    records: list[dict[str, Any]] = Field(
        max_length=MAX_RECORDS,
        description='each {"id", "seq", "attempt_id", "kind", "at", "data", "by"?, '
        '"question_id"?}; a record that fails its checks is rejected on its own',
    )


class RecordResult(BaseModel):
    id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str | None = Field(default=None, description="why a record was rejected")
    detail: str | None = None


class AttemptReceipt(BaseModel):
    attempt_id: str
    records: int = Field(description="records of this attempt the server holds")
    integrity: Literal["complete", "incomplete", "unverified"]
    missing_seq: list[int]
    receipt_code: str | None = Field(description="finished attempts only: XXXX-XXXX")


class PushOut(BaseModel):
    batch_id: str
    server_time: datetime
    high_water_mark: int
    results: list[RecordResult]
    attempts: list[AttemptReceipt]


class SyncStateOut(BaseModel):
    high_water_mark: int
    server_time: datetime


class ReceiptTaker(BaseModel):
    id: str
    candidate_number: str
    full_name: str


class ReceiptDelivery(BaseModel):
    id: str
    title: str
    exam_id: str


class ReceiptOut(BaseModel):
    attempt_id: str
    taker: ReceiptTaker
    delivery: ReceiptDelivery
    record_count: int | None
    digest: str | None
    finished_at: datetime | None
    integrity: Literal["complete", "incomplete", "unverified"]


class KeyIn(RequestModel):
    public_key: str = Field(
        min_length=1, max_length=64, description="base64 of the raw 32-byte Ed25519 key"
    )


class KeyOut(BaseModel):
    workstation_id: str
    public_key: str
    registered_at: datetime
