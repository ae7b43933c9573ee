"""All of the client's threading: run work off the UI thread, call back on it.

``run_in_background`` is for network and file work (a small pool). ``run_on_store``
queues work on the single store worker, so the SQLite store sees one writer in order;
``run_in_order`` does the same on a named lane of its own.
Callbacks always run on the main (UI) thread, through a queued signal. A callback whose
owner (``owner=``, or the QObject a bound-method callback belongs to) was deleted while
the work ran is dropped: the window that asked is gone, so there is no one to tell.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from shiboken6 import isValid

log = logging.getLogger(__name__)

_pools: dict[str, QThreadPool] = {}


class _Relay(QObject):
    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # handed to the caller's on_error on the UI thread
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


_live_relays: set[_Relay] = set()


def _pool(name: str, max_threads: int) -> QThreadPool:
    pool = _pools.get(name)
    if pool is None:
        pool = QThreadPool()
        pool.setMaxThreadCount(max_threads)
        _pools[name] = pool
    return pool


def _owner_of(owner: QObject | None, *callbacks: Callable[..., None] | None) -> QObject | None:
    if owner is not None:
        return owner
    for callback in callbacks:
        bound_to = getattr(callback, "__self__", None)
        if isinstance(bound_to, QObject):
            return bound_to
    return None


def _submit(
    pool: QThreadPool,
    fn: Callable[[], Any],
    on_done: Callable[[Any], None] | None,
    on_error: Callable[[Exception], None] | None,
    owner: QObject | None,
) -> None:
    relay = _Relay()
    _live_relays.add(relay)
    context = _owner_of(owner, on_done, on_error)

    def owner_gone() -> bool:
        if context is not None and not isValid(context):
            log.debug("background task finished after its owner was deleted; result dropped")
            return True
        return False

    def finished(result: Any) -> None:
        _live_relays.discard(relay)
        if on_done is not None and not owner_gone():
            on_done(result)

    def failed(error: Exception) -> None:
        _live_relays.discard(relay)
        if owner_gone():
            return
        if on_error is not None:
            on_error(error)
        else:
            log.error("background task failed: %s", type(error).__name__)

    relay.succeeded.connect(finished)
    relay.failed.connect(failed)
    pool.start(_Job(fn, relay))


def run_in_background(
    fn: Callable[[], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    owner: QObject | None = None,
) -> None:
    """Run ``fn`` on the network/file pool; call back on the UI thread."""
    _submit(_pool("background", 4), fn, on_done, on_error, owner)


def run_on_store(
    fn: Callable[[], Any],
    *,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    owner: QObject | None = None,
) -> None:
    """Run ``fn`` on the single store worker, in submission order."""
    _submit(_pool("store", 1), fn, on_done, on_error, owner)


def run_in_order(
    fn: Callable[[], Any],
    *,
    lane: str,
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[Exception], None] | None = None,
    owner: QObject | None = None,
) -> None:
    """Run ``fn`` on ``lane``'s own single worker, in submission order: work that must not
    overtake itself and must not hold up the store worker (the signing key's unlocks)."""
    _submit(_pool(f"lane:{lane}", 1), fn, on_done, on_error, owner)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Block until every queued task ran (shutdown and tests)."""
    return all(pool.waitForDone(timeout_ms) for pool in _pools.values())
