"""A simulated workstation outbox: records with gapless seqs, as the desktop writes them."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from httpx import Response

from tests.server.conftest import SignedIn

AT = "2026-11-24T09:00:00Z"


@dataclass
class WorkstationSim:
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    seq: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)

    def record(
        self, attempt_id: str, kind: str, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        self.seq += 1
        record = {
            "id": str(uuid.uuid4()),
            "seq": self.seq,
            "attempt_id": attempt_id,
            "kind": kind,
            "at": f"2026-11-24T09:{self.seq // 60 % 60:02d}:{self.seq % 60:02d}Z",
            "data": data or {},
        }
        self.records.append(record)
        return record

    def start(self, attempt_id: str, delivery_id: str, taker_id: str) -> dict[str, Any]:
        return self.record(
            attempt_id, "attempt.started", {"delivery_id": delivery_id, "taker_id": taker_id}
        )

    def answer(
        self, attempt_id: str, question_id: str, labels: list[str], time_ms: int = 1000
    ) -> dict[str, Any]:
        data = {"question_id": question_id, "answer": labels, "time_spent_ms": time_ms}
        return self.record(attempt_id, "answer.saved", {**data, "flagged": False})

    def timed(self, attempt_id: str, question_id: str, time_ms: int) -> dict[str, Any]:
        return self.record(
            attempt_id, "question.timed", {"question_id": question_id, "time_spent_ms": time_ms}
        )

    def finish(self, attempt_id: str, *, extra_count: int = 0) -> dict[str, Any]:
        """``attempt.finished`` with the count and digest of the attempt's records so far."""
        mine = [r["id"] for r in self.records if r["attempt_id"] == attempt_id]
        digest = hashlib.sha256("\n".join(mine).encode()).hexdigest()
        return self.record(
            attempt_id,
            "attempt.finished",
            {"record_count": len(mine) + extra_count, "digest": digest},
        )


def push(
    client: TestClient,
    who: SignedIn,
    workstation_id: str,
    records: Sequence[dict[str, Any]],
    *,
    key: str | None = None,
    protocol: int = 1,
    signer: Ed25519PrivateKey | None = None,
) -> Response:
    """A push; with ``signer`` (the workstation's key) signed as the desktop signs it."""
    body = {"protocol": protocol, "workstation_id": workstation_id, "records": list(records)}
    headers = {**who.headers, "Idempotency-Key": key or str(uuid.uuid4())}
    if signer is None:
        response: Response = client.post("/api/sync/push", json=body, headers=headers)
        return response
    raw = json.dumps(body).encode()
    headers |= {
        "Content-Type": "application/json",
        "X-Workstation-Signature": sign_push(signer, headers["Idempotency-Key"], raw),
    }
    return client.post("/api/sync/push", content=raw, headers=headers)


def sign_push(signer: Ed25519PrivateKey, idempotency_key: str, raw: bytes) -> str:
    """``X-Workstation-Signature`` as docs/api.md defines it (written out here, not taken
    from the server's code, so a change to either side shows)."""
    message = b"medxam-push-v1\n" + idempotency_key.encode() + b"\n"
    message += hashlib.sha256(raw).hexdigest().encode()
    return base64.b64encode(signer.sign(message)).decode()


def statuses(response: Response) -> list[str]:
    return [r["status"] for r in response.json()["results"]]
