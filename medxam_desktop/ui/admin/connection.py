"""The console's view of the server: online, slow or offline, and when it last answered.

Every server call of the console goes through ``ServerCalls.call`` (run in the
background, timed, reported here), so the state in the status bar follows what really
happened, and a server that cannot be reached is one state change, never one error
box per call.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, Signal

from medxam_desktop.errors import AuthError, OfflineError, user_message
from medxam_desktop.ui.tasks import run_in_background

log = logging.getLogger(__name__)

# A call that takes longer than this makes the state "slow" (results of 10,000 attempts
# take the server 1-2 s; 8 s is well beyond a healthy server).
SLOW_AFTER_S = 8.0
OFFLINE_WORDS = "The server cannot be reached."


class ServerState(enum.Enum):
    UNKNOWN = "unknown"
    ONLINE = "online"
    SLOW = "slow"
    OFFLINE = "offline"


class ServerCalls(QObject):
    """Runs server calls off the UI thread and keeps the state they show."""

    state_changed = Signal(object, str)  # ServerState, words for the status bar
    refreshed = Signal(object)  # datetime (UTC) of the last answer
    sign_in_needed = Signal()

    def __init__(self, parent: QObject | None = None, *, slow_after_s: float = SLOW_AFTER_S):
        super().__init__(parent)
        self.state = ServerState.UNKNOWN
        self.problem = ""
        self.last_answer_at: datetime | None = None
        self.slow_after_s = slow_after_s

    def call(
        self,
        fn: Callable[[], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        owner: QObject | None = None,
    ) -> None:
        """``fn()`` on the background pool; ``on_done``/``on_error`` on the UI thread.

        Being offline and an expired sign-in are recorded here first (the status bar
        shows them); ``on_error`` then gets the error to show one plain line in its
        page, if it wants to."""
        started = time.monotonic()

        def done(result: Any) -> None:
            if getattr(result, "stale", False):  # kept results: the server did not answer
                self.mark_stale(str(getattr(result, "problem", "")) or OFFLINE_WORDS)
            else:
                self._answered(time.monotonic() - started)
            if on_done is not None:
                on_done(result)

        def failed(error: Exception) -> None:
            self._failed(error)
            if on_error is not None:
                on_error(error)

        run_in_background(fn, on_done=done, on_error=failed, owner=owner or self)

    def mark_stale(self, error_text: str) -> None:
        """Results came from the cache: the server is away (already known or not)."""
        self._set(ServerState.OFFLINE, error_text)

    def _answered(self, elapsed_s: float) -> None:
        self.last_answer_at = datetime.now(UTC)
        if elapsed_s > self.slow_after_s:
            self._set(ServerState.SLOW, f"The server took {elapsed_s:.0f} s to answer.")
        else:
            self._set(ServerState.ONLINE, "")
        self.refreshed.emit(self.last_answer_at)

    def _failed(self, error: Exception) -> None:
        if isinstance(error, AuthError):
            self.sign_in_needed.emit()
            self._set(self.state, "Your sign-in has expired. Please sign in again.")
        elif isinstance(error, OfflineError):
            self._set(ServerState.OFFLINE, user_message(error).split("\n\n")[0])
        # Other errors are the server's answer to one request: the page shows them.

    def _set(self, state: ServerState, problem: str) -> None:
        changed = state is not self.state or problem != self.problem
        self.state, self.problem = state, problem
        if changed:
            log.info("server state: %s", state.value)
            self.state_changed.emit(state, problem)
