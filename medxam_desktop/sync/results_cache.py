"""The last results of each delivery, kept on disk so the console can show them offline.

One file per delivery under ``<data dir>/results-cache/``: ``{"fetched_at": …,
"results": <the server's exact answer>}``, written beside the target, flushed to disk
and moved into place (``os.replace``), so a crash leaves the old file or the new one,
never half of one. The deliveries list is kept the same way (``deliveries.json``).

``ResultsSource`` is what the console calls: fresh results from the server when it
answers (kept here as they come), else the kept ones marked *stale* with their time and
the reason in plain words.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from medxam_desktop.domain.results import DeliveriesSnapshot, DeliveryListing, ResultsSnapshot
from medxam_desktop.errors import OfflineError, ServerRejectedError, user_message
from medxam_desktop.sync.results_api import ResultsApi, decode, parse_results

log = logging.getLogger(__name__)

CACHE_DIR_NAME = "results-cache"


@dataclass(frozen=True, slots=True)
class CachedBody:
    body: bytes
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class FetchedResults:
    """Results as fetched: ``body`` is the server's bytes to keep (None when they came
    from the cache). ``stale``/``problem`` say the server was not reached."""

    snapshot: ResultsSnapshot
    body: bytes | None

    @property
    def stale(self) -> bool:
        return self.snapshot.stale

    @property
    def problem(self) -> str:
        return self.snapshot.problem


class ResultsCache:
    """Files in ``directory`` (made on the first write, mode 0700)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ResultsCache:
        return cls(Path(data_dir) / CACHE_DIR_NAME)

    def save_results(self, delivery_id: str, body: bytes, fetched_at: datetime) -> None:
        self._write(self._results_path(delivery_id), body, fetched_at)

    def load_results(self, delivery_id: str) -> CachedBody | None:
        return self._read(self._results_path(delivery_id))

    def save_deliveries(self, body: bytes, fetched_at: datetime) -> None:
        self._write(self.directory / "deliveries.json", body, fetched_at)

    def load_deliveries(self) -> CachedBody | None:
        return self._read(self.directory / "deliveries.json")

    def _results_path(self, delivery_id: str) -> Path:
        # A UUID only: a file name that can never point outside the directory.
        return self.directory / f"results-{uuid.UUID(str(delivery_id))}.json"

    def _write(self, path: Path, body: bytes, fetched_at: datetime) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = json.dumps(fetched_at.astimezone(UTC).isoformat())
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            # Names and scores of candidates: readable by this user only, like the store.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as out:
                out.write(b'{"fetched_at": ' + stamp.encode() + b', "results": ')
                out.write(body)
                out.write(b"}")
                out.flush()
                os.fsync(out.fileno())
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            # The cache is a convenience: the console goes on without it.
            log.warning("results cache not written (%s): %s", path.name, exc.strerror or exc)

    def _read(self, path: Path) -> CachedBody | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("results cache not readable (%s): %s", path.name, exc.strerror or exc)
            return None
        head, sep, rest = raw.partition(b', "results": ')
        if not sep or not head.startswith(b'{"fetched_at": ') or not rest.endswith(b"}"):
            log.warning("results cache file %s is damaged; ignored", path.name)
            return None
        try:
            fetched = datetime.fromisoformat(json.loads(head[len(b'{"fetched_at": ') :]))
        except ValueError:
            log.warning("results cache file %s is damaged; ignored", path.name)
            return None
        return CachedBody(body=rest[:-1], fetched_at=fetched)


class ResultsSource:
    """Results and the deliveries list: from the server, else from the cache (stale)."""

    def __init__(self, api: ResultsApi, cache: ResultsCache) -> None:
        self.api = api
        self.cache = cache

    def results(self, delivery_id: str) -> ResultsSnapshot:
        """Blocking (run it in the background): ``fetch`` then ``keep``."""
        fetched = self.fetch(delivery_id)
        self.keep(delivery_id, fetched)
        return fetched.snapshot

    def fetch(self, delivery_id: str) -> FetchedResults:
        """The server's results, or offline the kept ones (stale); nothing written yet.
        Offline with nothing kept: the ``OfflineError`` goes to the caller; any other
        error always does."""
        try:
            fresh = self.api.results_raw(delivery_id)
        except OfflineError as error:
            kept = self.cache.load_results(delivery_id)
            if kept is None:
                raise
            try:
                cached = parse_results(kept.body)
            except ServerRejectedError:
                raise error from None
            log.info(
                "server unreachable; showing results of %s kept from %s",
                delivery_id,
                kept.fetched_at.isoformat(),
            )
            problem = user_message(error).split("\n\n")[0]
            snapshot = ResultsSnapshot(cached, kept.fetched_at, stale=True, problem=problem)
            return FetchedResults(snapshot, body=None)
        snapshot = ResultsSnapshot(results=fresh.results, fetched_at=datetime.now(UTC))
        return FetchedResults(snapshot, body=fresh.body)

    def keep(self, delivery_id: str, fetched: FetchedResults) -> None:
        """Write fresh results to the cache (after they are shown: a 10,000-attempt
        answer is megabytes, flushed to disk)."""
        if fetched.body is not None:
            self.cache.save_results(delivery_id, fetched.body, fetched.snapshot.fetched_at)

    def deliveries(self) -> DeliveriesSnapshot:
        """The deliveries; the kept list (stale) when the server cannot be reached."""
        try:
            listed = self.api.deliveries()
        except OfflineError as error:
            kept = self.cache.load_deliveries()
            if kept is None:
                raise
            try:
                items = tuple(DeliveryListing.from_json(i) for i in decode(kept.body))
            except (ValueError, TypeError, ServerRejectedError):
                raise error from None
            problem = user_message(error).split("\n\n")[0]
            return DeliveriesSnapshot(items, kept.fetched_at, stale=True, problem=problem)
        now = datetime.now(UTC)
        body = json.dumps([_listing_json(d) for d in listed]).encode()
        self.cache.save_deliveries(body, now)
        return DeliveriesSnapshot(tuple(listed), now)


def _listing_json(delivery: DeliveryListing) -> dict[str, str | None]:
    return {
        "id": delivery.id,
        "title": delivery.title,
        "exam_id": delivery.exam_id,
        "group_id": delivery.group_id,
        "opens_at": delivery.opens_at.isoformat(),
        "closes_at": delivery.closes_at.isoformat(),
        "location": delivery.location,
    }
