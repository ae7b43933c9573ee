"""The admin's results calls (docs/api.md "Results", "Attempts and answers", "Receipts"),
answered as domain objects (``domain/results.py``, ``domain/attempt_review.py``).

Every call blocks: run it with ``ui/tasks.run_in_background``. Errors are the client's
(``errors.py``): ``OfflineError`` when the server cannot be reached or is down,
``AuthError`` for a sign-in that is no longer good, ``ServerRejectedError`` with the
server's words for anything else (a 404, a refused score override…).

JSON is read with ``parse_float=Decimal`` so points keep the server's exact digits.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

from medxam_desktop.domain.attempt_details import AttemptDetails
from medxam_desktop.domain.attempt_review import (
    AttemptAnswer,
    AttemptEvent,
    ReceiptCheck,
    ScoreChange,
    ServerAttempt,
)
from medxam_desktop.domain.results import DeliveryListing, DeliveryResults, SyncCompleteness
from medxam_desktop.errors import ServerRejectedError, SyncError
from medxam_desktop.sync import json_chunks
from medxam_desktop.sync.api_client import ApiClient, DownloadCancelled
from medxam_desktop.sync.http_answers import problem_detail

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)
T = TypeVar("T")

# 10,000 attempts x 200 questions take the server ~1-2 s; a busy one may take longer.
RESULTS_TIMEOUT = (5.0, 60.0, 60.0, 60.0)
EXPORT_CHUNK_BYTES = 64 * 1024
PAGE_SIZE = 500
UNREADABLE = "The server sent an answer this program cannot read."

CsvTable = Literal["attempts", "items"]
# Called from the download thread with (bytes written, total bytes or None).
ExportProgress = Callable[[int, int | None], None]


@dataclass(frozen=True, slots=True)
class RawResults:
    """The results' exact bytes (for the on-disk cache) and their parse."""

    body: bytes
    results: DeliveryResults
    elapsed_s: float


def decode(body: bytes) -> Any:
    """JSON with every non-integer number as a ``Decimal`` (the server's digits).

    Decoded by ``json_chunks`` (one array element at a time): ``json.loads`` of 10,000
    attempts' results held the GIL, and so the UI thread, for 80-190 ms (B8)."""
    try:
        return json_chunks.loads(body, parse_float=Decimal)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        raise ServerRejectedError(UNREADABLE) from exc


def parse_results(body: bytes) -> DeliveryResults:
    try:
        return DeliveryResults.from_json(decode(body))
    except ValueError as exc:
        raise ServerRejectedError(f"{UNREADABLE} ({exc})") from exc


class ResultsApi:
    """The admin's results, over the one ``ApiClient`` (its token, its errors)."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client

    # --- deliveries ---------------------------------------------------------------------

    def deliveries(self) -> list[DeliveryListing]:
        """Every delivery, all pages, in the server's order (latest opening first)."""
        listed: list[DeliveryListing] = []
        page = 1
        while True:
            body = self._get("/deliveries", params={"page": page, "per_page": PAGE_SIZE})
            items = body.get("items", [])
            listed.extend(_parsed(DeliveryListing.from_json, item) for item in items)
            if not items or len(listed) >= int(body.get("total", 0)):
                return listed
            page += 1

    def sync_status(self, delivery_id: str) -> SyncCompleteness:
        return _parsed(
            SyncCompleteness.from_json, self._get(f"/deliveries/{_id(delivery_id)}/sync-status")
        )

    # --- results ------------------------------------------------------------------------

    def results_raw(self, delivery_id: str) -> RawResults:
        """The results with their bytes (``results_cache`` keeps those)."""
        started = time.monotonic()
        response = self.client.request(
            "GET", f"/deliveries/{_id(delivery_id)}/results", timeout=RESULTS_TIMEOUT
        )
        _expect(response, 200, missing="The server has no such delivery.")
        elapsed = time.monotonic() - started
        body = response.content
        return RawResults(body=body, results=parse_results(body), elapsed_s=elapsed)

    def results(self, delivery_id: str) -> DeliveryResults:
        return self.results_raw(delivery_id).results

    def attempts(self, delivery_id: str, *, completed: bool | None = None) -> list[ServerAttempt]:
        """``GET /api/attempts?delivery_id=…``, all pages."""
        params: dict[str, Any] = {"delivery_id": delivery_id, "per_page": PAGE_SIZE}
        if completed is not None:
            params["completed"] = "true" if completed else "false"
        listed: list[ServerAttempt] = []
        page = 1
        while True:
            body = self._get("/attempts", params={**params, "page": page})
            items = body.get("items", [])
            listed.extend(_parsed(ServerAttempt.from_json, item) for item in items)
            if not items or len(listed) >= int(body.get("total", 0)):
                return listed
            page += 1

    def attempt(self, attempt_id: str) -> ServerAttempt:
        return _parsed(ServerAttempt.from_json, self._get(f"/attempts/{_id(attempt_id)}"))

    def attempt_details(self, attempt_id: str) -> AttemptDetails:
        """The attempt with its candidate, exam and delivery (``…/details``)."""
        return _parsed(AttemptDetails.from_json, self._get(f"/attempts/{_id(attempt_id)}/details"))

    def answers(self, attempt_id: str) -> list[AttemptAnswer]:
        """Every answered question in exam order; the admin sees ``is_correct`` and points."""
        body = self._get_any(f"/attempts/{_id(attempt_id)}/answers")
        if not isinstance(body, list):
            raise ServerRejectedError(UNREADABLE)
        return [_parsed(AttemptAnswer.from_json, item) for item in body]

    def events(self, attempt_id: str) -> list[AttemptEvent]:
        body = self._get(f"/attempts/{_id(attempt_id)}/events")
        return [_parsed(AttemptEvent.from_json, item) for item in body.get("events", [])]

    def score_history(self, attempt_id: str) -> list[ScoreChange]:
        body = self._get(f"/attempts/{_id(attempt_id)}/score-history")
        return [_parsed(ScoreChange.from_json, item) for item in body.get("items", [])]

    def override_score(
        self,
        attempt_id: str,
        *,
        score: Decimal | None = None,
        penalty: Decimal | None = None,
        reason: str,
    ) -> ServerAttempt:
        """``PUT /api/attempts/{id}/score``: the attempt as now scored. A refusal (409 for
        an attempt in progress, 422 for a bad value) is a ``ServerRejectedError`` with the
        server's words."""
        body: dict[str, Any] = {"reason": reason}
        if score is not None:
            body["score"] = float(score)
        if penalty is not None:
            body["penalty"] = float(penalty)
        response = self.client.request("PUT", f"/attempts/{_id(attempt_id)}/score", json=body)
        _expect(response, 200, missing="The server has no such attempt.")
        log.info("score of attempt %s overridden", attempt_id)
        return _parsed(ServerAttempt.from_json, decode(response.content))

    def receipt(self, code: str) -> ReceiptCheck:
        """What the server holds for a receipt code; 404 says it never issued it."""
        typed = code.strip()
        response = self.client.request("GET", f"/receipts/{quote(typed, safe='')}")
        _expect(response, 200, missing="This server never issued that receipt code.")
        body = decode(response.content)
        return _parsed(lambda raw: ReceiptCheck.from_json(raw, code=typed), body)

    # --- CSV export ---------------------------------------------------------------------

    def download_csv(
        self,
        delivery_id: str,
        table: CsvTable,
        dest_path: Path,
        *,
        progress: ExportProgress | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """Stream ``results.csv?table=…`` to ``dest_path`` (written beside it, then moved
        into place, so a failed export never leaves half a file); the bytes written."""
        dest = Path(dest_path)
        partial = dest.with_name(f".{dest.name}.part")
        path = f"/deliveries/{_id(delivery_id)}/results.csv"
        written = 0
        try:
            with self.client.stream(
                "GET", path, params={"table": table}, timeout=RESULTS_TIMEOUT
            ) as response:
                _expect(response, 200, missing="The server has no such delivery.")
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                with partial.open("wb") as out:
                    for chunk in _chunks(response, progress, total):
                        if cancel is not None and cancel.is_set():
                            raise DownloadCancelled()
                        out.write(chunk)
                        written += len(chunk)
                        if progress is not None:
                            progress(written, total)
                    out.flush()
                    os.fsync(out.fileno())
            partial.replace(dest)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise SyncError(f"{dest}: {exc.strerror or exc}") from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        log.info("exported the %s table of delivery %s (%d bytes)", table, delivery_id, written)
        return written

    # --- helpers --------------------------------------------------------------------------

    def _get_any(self, path: str, *, params: dict[str, Any] | None = None) -> Any:
        response = self.client.request("GET", path, params=params)
        _expect(response, 200, missing="The server has no such record.")
        return decode(response.content)

    def _get(self, path: str, *, params: dict[str, Any] | None = None) -> dict[str, Any]:
        body = self._get_any(path, params=params)
        if not isinstance(body, dict):
            raise ServerRejectedError(UNREADABLE)
        return body


def _chunks(
    response: httpx.Response, progress: ExportProgress | None, total: int | None
) -> Iterator[bytes]:
    if progress is not None:
        progress(0, total)
    yield from response.iter_bytes(EXPORT_CHUNK_BYTES)


def _expect(response: httpx.Response, status: int, *, missing: str) -> None:
    if response.status_code == status:
        return
    if response.status_code == 404:
        raise ServerRejectedError(missing)
    raise ServerRejectedError(problem_detail(response))


def _id(value: str) -> str:
    """An id as one path segment (never a way to another path)."""
    return quote(str(value), safe="")


def _parsed(parse: Callable[[Any], T], raw: Any) -> T:
    try:
        return parse(raw)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ServerRejectedError(f"{UNREADABLE} ({exc})") from exc
