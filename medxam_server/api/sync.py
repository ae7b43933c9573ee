"""``/api/sync``: batch push, sync state and USB bundle import; ``/api/receipts``."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from medxam_server.api.deps import AdminDep, ProctorDep, SessionDep, SettingsDep
from medxam_server.api.problems import PROBLEM_MEDIA_TYPE
from medxam_server.api.sync_schemas import (
    MAX_RECORDS,
    PushIn,
    PushOut,
    ReceiptOut,
    SyncStateOut,
)
from medxam_server.models import utcnow
from medxam_server.services.errors import Invalid
from medxam_server.services.setup import workstations
from medxam_server.services.sync import bundles, ingest, receipt_codes
from medxam_server.services.sync.batch import SUPPORTED_PROTOCOLS, Batch, UnsupportedProtocol
from medxam_server.services.sync.batch_receipt import PLAIN_STATUSES, BatchReceipt, time_text
from medxam_server.services.sync.quarantine_cap import QuarantineCap

router = APIRouter(tags=["sync"])

PUSH_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "This caller may not push for that workstation (Security model)"},
    409: {"description": "The same Idempotency-Key is still being processed"},
    426: {"description": "Unsupported protocol version (body lists supported_protocols)"},
    429: {"description": "The workstation's quarantine cap is reached; retry after Retry-After"},
}


async def raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def unsupported_protocol() -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": "Upgrade required",
        "status": 426,
        "detail": "This server does not accept that sync protocol version; "
        "keep the queue and upgrade the client.",
        "supported_protocols": list(SUPPORTED_PROTOCOLS),
    }
    return JSONResponse(body, status_code=426, media_type=PROBLEM_MEDIA_TYPE)


def _parse_push(raw: bytes) -> PushIn | None:
    """The envelope, or None for an unsupported protocol (checked before anything else)."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise Invalid(
            "the body is not JSON", errors=[{"loc": ["body"], "msg": "not JSON"}]
        ) from exc
    protocol = document.get("protocol") if isinstance(document, dict) else None
    if isinstance(protocol, int) and protocol not in SUPPORTED_PROTOCOLS:
        return None
    records = document.get("records") if isinstance(document, dict) else None
    try:
        if (
            isinstance(records, list)
            and len(records) <= MAX_RECORDS
            and all(isinstance(record, dict) for record in records)
        ):
            # The records are already what the envelope asks (a list of objects); each is
            # checked by ingest. Not copied by pydantic, which cost ~3 ms per 1000.
            envelope = PushIn.model_validate({**document, "records": []})
            envelope.records = records
            return envelope
        return PushIn.model_validate(document)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


@router.post(
    "/sync/push",
    response_model=None,
    responses={200: {"model": PushOut}, **PUSH_ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": PushIn.model_json_schema()}},
        }
    },
)
def push(
    request: Request,
    raw: RawBody,
    user: ProctorDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")],
    signature: Annotated[
        str | None,
        Header(
            alias="X-Workstation-Signature",
            description="base64 Ed25519 signature of the push by the workstation's "
            "registered key (required once it has one; docs/api.md Security model)",
        ),
    ] = None,
) -> Response:
    """Apply a batch of workstation records (rules 1-7 of API.md "Batch sync").

    403 when the caller may not push for the workstation (an unsigned or wrongly signed
    push for a workstation with a key; another user's workstation without one)."""
    try:
        batch_id = str(uuid.UUID(idempotency_key))
    except ValueError as exc:
        raise Invalid(
            "Idempotency-Key must be a UUID",
            errors=[{"loc": ["header", "Idempotency-Key"], "msg": "not a UUID"}],
        ) from exc
    envelope = _parse_push(raw)
    if envelope is None:
        return unsupported_protocol()
    batch = Batch(
        batch_id=batch_id,
        body_hash=hashlib.sha256(raw).hexdigest(),
        workstation_id=str(envelope.workstation_id),
        records=envelope.records,
        user_id=user.id,
        quarantine_cap=QuarantineCap(
            settings.quarantine_max_per_workstation, settings.quarantine_window_seconds
        ),
        signature=signature,
        admin=user.role == "admin",
    )
    receipt = ingest.run_batch(
        request.app.state.session_factory, batch, secret=settings.resolved_secret()
    )
    return Response(receipt_json(receipt), media_type="application/json")


@router.get("/sync/state", response_model=SyncStateOut)
def sync_state(session: SessionDep, _user: ProctorDep, workstation_id: uuid.UUID) -> dict[str, Any]:
    return {
        "high_water_mark": workstations.sync_state(session, str(workstation_id)),
        "server_time": utcnow(),
    }


@router.post(
    "/sync/bundle",
    response_model=None,
    responses={200: {"model": PushOut}, **PUSH_ERRORS},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
            },
        }
    },
)
def import_bundle(
    request: Request, raw: RawBody, user: AdminDep, settings: SettingsDep
) -> Response:
    """Import a signed USB bundle: checked whole, then applied exactly like a push."""
    factory = request.app.state.session_factory
    with factory() as session:
        try:
            batch = bundles.parse_bundle(session, raw, user_id=user.id)
        except UnsupportedProtocol:
            return unsupported_protocol()
    receipt = ingest.run_batch(factory, batch, secret=settings.resolved_secret())
    return Response(receipt_json(receipt), media_type="application/json")


@router.get(
    "/receipts/{receipt_code}",
    response_model=ReceiptOut,
    responses={404: {"description": "This server never issued the code"}},
)
def verify_receipt(session: SessionDep, _user: AdminDep, receipt_code: str) -> dict[str, Any]:
    issued = receipt_codes.verify_receipt(session, receipt_code)
    return {
        "attempt_id": issued.attempt_id,
        "taker": {
            "id": issued.taker_id,
            "candidate_number": issued.candidate_number,
            "full_name": issued.full_name,
        },
        "delivery": {
            "id": issued.delivery_id,
            "title": issued.delivery_title,
            "exam_id": issued.exam_id,
        },
        "record_count": issued.record_count,
        "digest": issued.digest,
        "finished_at": issued.finished_at,
        "integrity": issued.integrity,
    }


def receipt_json(receipt: BatchReceipt) -> bytes:
    """The receipt (``PushOut``) as JSON with sorted keys, so that a replayed key answers
    the same bytes whatever order the database kept them in. Written without an encoder
    call per record (B4): a plain result is two known strings."""
    results = ",".join(
        f'{{"id":"{result["id"]}","status":"{result["status"]}"}}'
        if len(result) == 2 and result["status"] in PLAIN_STATUSES
        else _dumps(result)
        for result in receipt.results
    )
    attempts = [
        {
            "attempt_id": attempt.attempt_id,
            "records": attempt.records,
            "integrity": attempt.integrity,
            "missing_seq": attempt.missing_seq,
            "receipt_code": attempt.receipt_code,
        }
        for attempt in receipt.attempts
    ]
    return (
        f'{{"attempts":{_dumps(attempts)},"batch_id":{_dumps(receipt.batch_id)},'
        f'"high_water_mark":{_dumps(receipt.high_water_mark)},"results":[{results}],'
        f'"server_time":{_dumps(time_text(receipt.server_time))}}}'
    ).encode()


def _dumps(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), sort_keys=True
    )
