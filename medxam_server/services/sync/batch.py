"""What a batch is when it reaches the pipeline: a push's or a bundle's records, with
the key, the caller and the checks that come with where it came from.

Its own module because the router, the bundle import, the demo and every stage use it,
and none of them should have to import the pipeline (``ingest``) to name it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from medxam_server.services.sync.quarantine_cap import QuarantineCap

SUPPORTED_PROTOCOLS = (1,)


class UnsupportedProtocol(Exception):
    """The batch speaks a protocol version this server does not accept (HTTP 426)."""


@dataclass(frozen=True, slots=True)
class Batch:
    batch_id: str  # the Idempotency-Key
    body_hash: str
    workstation_id: str
    records: list[Any]
    user_id: str
    quarantine_cap: QuarantineCap | None = None  # pushes only (issue 13, finding 9)
    source: str = "push"  # push | bundle
    signature: str | None = None  # X-Workstation-Signature of a push (custody.check_push)
    admin: bool = False  # the user is an admin
