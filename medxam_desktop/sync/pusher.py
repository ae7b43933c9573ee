"""The outbox pusher: every record reaches the server exactly once, whatever the network does.

``Pusher.sync()`` runs one pass on the caller's thread (the UI runs it through
``ui.tasks.run_in_background``, the command line directly):

1. at start-up and after a reconnect, ``GET /api/sync/state``: a server whose high-water
   mark is below what it confirmed to us lost records (restored from a backup), so
   everything above its mark is sent again; the signing key is registered (again
   whenever the key is not the one registered last);
2. a batch whose answer was lost is sent again first, byte for byte, with its key;
3. the queue drains in batches of at most 1000 records and 1 MiB, each with a fresh
   Idempotency-Key; exactly the records the receipt names are marked (accepted or
   duplicate: acknowledged; rejected: quarantined with the reason, never dropped);
4. an ``incomplete`` attempt's ``missing_seq`` are queued again; a receipt code is kept.

Errors leave the queue as it is and propagate (``OfflineError``, ``ServerBusyError``
with ``retry_after``, ``AuthError``, ``ProtocolRefusedError``, ``StuckQueueError``,
``SyncKeyLockedError`` while the key file waits for a proctor's PIN);
the caller waits ``backoff.next_delay()`` and calls ``sync()`` again. One pass at a time:
a second caller returns at once with ``skipped`` and the running pass goes round again.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from medxam_desktop.domain.attempt import PROTOCOL_VERSION, OutboxRecord
from medxam_desktop.errors import (
    CredentialStoreError,
    ProtocolRefusedError,
    ServerRejectedError,
    SigningKeyLockedError,
    StoreError,
    StuckQueueError,
    SyncError,
    SyncKeyLockedError,
    WorkstationRefusedError,
)
from medxam_desktop.sync.api_client import ApiClient
from medxam_desktop.sync.backoff import Backoff
from medxam_desktop.sync.batches import MAX_BYTES, MAX_RECORDS, Batch, build_batch, parse_receipt
from medxam_desktop.sync.key_unlock import public_key_for, signing_key_for
from medxam_desktop.sync.status import SyncStatus, read_status, remember_contact
from medxam_desktop.sync.wire import parse_time
from medxam_desktop.sync.workstation_key import push_signature

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from medxam_desktop.store import Store

log = logging.getLogger(__name__)

CONFIRMED = ("accepted", "duplicate", "rejected")
SAME_HEAD_LIMIT = 3  # the same head sent this often in one pass: the queue is stuck
MAX_ROUNDS = 5  # drain / verify rounds in one pass


@dataclass
class PushReport:
    """What one pass did."""

    batches: int = 0
    acknowledged: int = 0
    quarantined: int = 0
    resent: int = 0
    completed: list[str] = field(default_factory=list)  # attempts the server holds complete
    skipped: bool = False  # another pass was running


class Pusher:
    def __init__(
        self,
        store: Store,
        client: ApiClient,
        *,
        batch_bytes: int = MAX_BYTES,
        rng: random.Random | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.batch_bytes = batch_bytes
        self.protocol = PROTOCOL_VERSION
        self.backoff = Backoff(rng=rng or random.Random())
        self.last_error: Exception | None = None
        self._lock = threading.Lock()
        self._again = threading.Event()
        self._check_state = True  # at start-up
        self._in_flight: Batch | None = None
        self._asked: set[str] = set()  # finish records asked about since the last state check
        self._contact: tuple[datetime, float, float] | None = None  # kept once per pass
        self._key: Ed25519PrivateKey | None = None  # signs pushes; kept once found
        self._key_read = False  # looked for in this pass (a PIN may open it at any time)

    @property
    def workstation_id(self) -> str:
        return self.store.workstation_id

    def request_state_check(self) -> None:
        """On reconnect: compare high-water marks before the next push."""
        self._check_state = True

    def status(self) -> SyncStatus:
        return read_status(self.store, last_error=self.last_error)

    def sync(self) -> PushReport:
        """One pass; raises a ``SyncError`` with the queue intact when it cannot finish."""
        if not self._lock.acquire(blocking=False):
            self._again.set()
            return PushReport(skipped=True)
        try:
            report = PushReport()
            self._key_read = False
            self._again.set()
            while self._again.is_set():
                self._again.clear()
                self._pass(report)
        except SyncError as exc:
            self.last_error = exc
            log.info("sync stopped: %s", type(exc).__name__)
            raise
        finally:
            try:
                self._keep_contact()
            finally:
                self._lock.release()
        self.last_error = None
        self.backoff.reset()
        return report

    def _keep_contact(self) -> None:
        """Last contact and clock offset, written once per pass (not per batch)."""
        if self._contact is not None:
            server_time, sent_at, answered_at = self._contact
            self._contact = None
            try:
                remember_contact(self.store, server_time, sent_at, answered_at)
            except StoreError as exc:  # only the status line's figures; never the records
                log.warning("could not keep the last contact: %s", type(exc).__name__)

    # --- one pass ------------------------------------------------------------------------

    def _pass(self, report: PushReport) -> None:
        if self._check_state:
            self._reconcile(report)
            self._check_state = False
        heads: dict[int, int] = {}
        for _ in range(MAX_ROUNDS):
            if self._in_flight is not None:
                self._send(self._in_flight, report, heads)
            while True:
                records = self.store.outbox.pending(MAX_RECORDS, self.batch_bytes)
                if not records:
                    break
                batch = self._batch(records)
                self._in_flight = batch
                self._send(batch, report, heads)
            if not self._verify_finishes(report, heads):
                return

    def _batch(self, records: list[OutboxRecord]) -> Batch:
        return build_batch(
            records,
            workstation_id=self.workstation_id,
            protocol=self.protocol,
            max_bytes=self.batch_bytes,
        )

    def _send(self, batch: Batch, report: PushReport, heads: dict[int, int]) -> None:
        heads[batch.head_seq] = heads.get(batch.head_seq, 0) + 1
        if heads[batch.head_seq] > SAME_HEAD_LIMIT:
            raise StuckQueueError(f"record seq {batch.head_seq} was sent and is still queued")
        sent_at = time.time()
        key = self._signing_key()
        signature = None if key is None else push_signature(key, batch.key, batch.body)
        try:
            body = self.client.push_batch(
                batch.body, idempotency_key=batch.key, signature=signature
            )
        except WorkstationRefusedError:
            self._in_flight = None
            # Register the key again at the next state check: after an admin has replaced
            # or cleared the server's key (an admin signed in here), pushes go through.
            self.store.outbox.remember(self._key_marker(), "")
            self._check_state = True
            log.warning("the server refused this workstation's push (403)")
            raise
        except (ServerRejectedError, ProtocolRefusedError):
            self._in_flight = None  # refused before anything was applied; never the same bytes
            raise
        receipt = parse_receipt(body)
        self._in_flight = None
        self._contact = (receipt.server_time, sent_at, time.time())
        ids = batch.record_ids
        ours = [r for r in receipt.results if str(r.get("id")) in ids]
        outbox = self.store.outbox
        outbox.confirm(
            [str(r["id"]) for r in ours if r.get("status") in CONFIRMED[:2]],
            [
                (str(r["id"]), str(r.get("reason") or "rejected by the server"))
                for r in ours
                if r.get("status") == "rejected"
            ],
            batch_id=batch.key,
        )
        outbox.apply_attempt_results(receipt.attempts)
        statuses = receipt.statuses()
        report.batches += 1
        report.acknowledged += sum(1 for r in ours if r.get("status") in CONFIRMED[:2])
        report.quarantined += sum(1 for r in ours if r.get("status") == "rejected")
        missing: list[int] = []
        for entry in receipt.attempts:
            if entry.get("integrity") == "complete":
                report.completed.append(str(entry.get("attempt_id")))
            elif entry.get("integrity") == "incomplete":
                missing.extend(int(s) for s in entry.get("missing_seq") or [])
        if missing:
            report.resent += outbox.resend_seqs(missing)
            log.warning("server lacks %d record(s) of a finished attempt; resending", len(missing))
        if statuses.get(batch.records[0].id) not in CONFIRMED:
            raise StuckQueueError(f"the receipt did not confirm record seq {batch.head_seq}")
        held = outbox.held_high_water()
        if receipt.high_water_mark < held:
            self._server_behind(receipt.high_water_mark, held, report)

    def _reconcile(self, report: PushReport) -> None:
        """Start-up / reconnect: the server's high-water mark, and the bundle key."""
        sent_at = time.time()
        state = self.client.sync_state(self.workstation_id)
        try:
            server_mark = int(state["high_water_mark"])
            server_time = parse_time(str(state["server_time"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ServerRejectedError("The server's sync state cannot be read.") from exc
        self._contact = (server_time, sent_at, time.time())
        held = self.store.outbox.held_high_water()
        if server_mark < held:
            self._server_behind(server_mark, held, report)
        self._asked.clear()
        self._register_key()

    def _server_behind(self, server_mark: int, held: int, report: PushReport) -> None:
        count = self.store.outbox.resend_above(server_mark)
        report.resent += count
        self._asked.clear()
        log.warning(
            "server high-water mark %d is below the %d it confirmed; %d record(s) queued again",
            server_mark,
            held,
            count,
        )

    def _verify_finishes(self, report: PushReport, heads: dict[int, int]) -> bool:
        """Ask about finished attempts not yet confirmed complete by sending their
        ``attempt.finished`` again (a duplicate: harmless, and the receipt says how the
        attempt stands). True when that queued records again."""
        finishes = [r for r in self.store.outbox.unconfirmed_finishes() if r.id not in self._asked]
        if not finishes:
            return False
        self._asked.update(r.id for r in finishes)
        before = report.resent
        for start in range(0, len(finishes), MAX_RECORDS):
            chunk: list[OutboxRecord] = finishes[start : start + MAX_RECORDS]
            batch = self._batch(chunk)
            self._in_flight = batch
            self._send(batch, report, heads)
        return report.resent > before

    def _signing_key(self) -> Ed25519PrivateKey | None:
        """The workstation's key (made on first use), looked for again each pass until
        found. None with no key anywhere (no keyring, no key file): the push goes unsigned,
        which the server accepts only while no key is registered. A key file no PIN has
        opened yet: ``SyncKeyLockedError``, and the queue waits for a proctor's PIN (the
        server would refuse the push unsigned)."""
        if self._key is None and not self._key_read:
            self._key_read = True
            try:
                self._key = signing_key_for(self.store)
            except SigningKeyLockedError as exc:
                self._key_read = False
                log.info("push waits: the workstation key file is locked")
                raise SyncKeyLockedError(exc.detail) from exc
            except CredentialStoreError as exc:
                log.warning("pushes are not signed: %s", type(exc).__name__)
        return self._key

    def _key_marker(self) -> str:
        return f"bundle_key_registered:{self.client.base_url}"

    def _register_key(self) -> None:
        """Register the signing public key with this server (while online), again when
        the key is not the one registered last: the marker holds that public key, so a
        key made later (from the key file) is registered at the next reconcile. A locked
        key file's public key is registered too: that needs no PIN."""
        outbox = self.store.outbox
        marker = self._key_marker()
        try:
            public_key = public_key_for(self.store)
            if outbox.recall(marker) == public_key:
                return
            self.client.register_workstation_key(self.workstation_id, public_key)
        except (CredentialStoreError, ServerRejectedError) as exc:
            # Syncing goes on; only USB bundles from here would not be accepted.
            log.warning("bundle key not registered: %s", type(exc).__name__)
            outbox.remember("bundle_key_problem", str(exc))
            return
        outbox.remember(marker, public_key)
        outbox.remember("bundle_key_problem", "")
        log.info("bundle signing key registered with %s", self.client.base_url)
