"""Proctors' PINs on this workstation: set while online, checked offline, throttled.

The store lock is held only for the small reads and writes, never while Argon2 runs, so
a PIN check does not hold up a candidate's answer being saved. Wrong PINs in a row are
counted per scope (the user name, or ``*`` for the exam window) in the store, so a
restart does not reset the throttle (domain.proctor.delay_after).

Every PIN proven here (checked, set or changed) is told to the ``pin_listeners``, on the
calling thread and outside the store lock: that is how the workstation's key file is
opened with the PIN on a computer without a keyring (sync/key_unlock.py).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.sqlite import insert

from medxam_desktop.domain.proctor import (
    ANY_PROCTOR,
    ProctorView,
    delay_after,
    pin_problem,
    wait_words,
)
from medxam_desktop.errors import PinError, PinRuleError, PinThrottledError
from medxam_desktop.store import models
from medxam_desktop.store.core import StoreCore
from medxam_desktop.store.pin_hash import hash_pin, pin_matches

log = logging.getLogger(__name__)

_PINS = models.PROCTOR_PINS
_FAILURES = models.PIN_FAILURES
_VIEW = (_PINS.c.user_id, _PINS.c.username, _PINS.c.full_name)

# Called with (the proctor, the PIN just proven theirs); never stored, never logged.
PinListener = Callable[[ProctorView, str], object]  # what it returns is ignored


class ProctorRepository:
    def __init__(self, core: StoreCore) -> None:
        self._core = core
        self.pin_listeners: list[PinListener] = []

    # --- reading ----------------------------------------------------------------------

    def known(self) -> list[ProctorView]:
        """Every proctor with a PIN here, by name."""
        query = select(*_VIEW).order_by(_PINS.c.full_name, _PINS.c.username)
        with self._core.read() as connection:
            return [ProctorView(*row) for row in connection.execute(query)]

    def has_pin(self, user_id: str) -> bool:
        query = select(_PINS.c.user_id).where(_PINS.c.user_id == user_id)
        with self._core.read() as connection:
            return connection.execute(query).first() is not None

    def wait_s(self, scope: str = ANY_PROCTOR) -> int:
        """Seconds before the next PIN may be tried in ``scope`` (0: now)."""
        with self._core.write(notify=False) as connection:
            return self._wait_left(connection, scope)

    # --- setting ----------------------------------------------------------------------

    def set_pin(self, *, user_id: str, username: str, full_name: str, pin: str) -> ProctorView:
        """Keep the Argon2 hash of ``pin`` for this proctor (replacing an older one)."""
        problem = pin_problem(pin)
        if problem is not None:
            raise PinRuleError(problem)
        pin_hash = hash_pin(pin)
        values = {"user_id": user_id, "username": username, "full_name": full_name,
                  "pin_hash": pin_hash, "set_at": self._core.wall()}  # fmt: skip
        statement = insert(_PINS).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=[_PINS.c.user_id],
            set_={k: statement.excluded[k] for k in values if k != "user_id"},
        )
        with self._core.write(notify=False) as connection:
            # The same name under a new id (the account was made again on the server).
            connection.execute(
                delete(_PINS).where(_PINS.c.username == username, _PINS.c.user_id != user_id)
            )
            connection.execute(statement)
            connection.execute(delete(_FAILURES).where(_FAILURES.c.scope == username))
        log.info("a PIN was set for proctor %s on this workstation", user_id)
        proctor = ProctorView(user_id, username, full_name)
        self._proven(proctor, pin)
        return proctor

    def change_pin(self, *, username: str, current: str, new: str) -> ProctorView:
        """A new PIN, once the current one is given (throttled like any PIN check)."""
        problem = pin_problem(new)
        if problem is not None:
            raise PinRuleError(problem)
        proctor = self.verify(username, current)
        if proctor is None:
            raise PinError()
        return self.set_pin(
            user_id=proctor.user_id, username=username, full_name=proctor.full_name, pin=new
        )

    # --- checking ---------------------------------------------------------------------

    def verify(self, username: str, pin: str) -> ProctorView | None:
        """The proctor if ``pin`` is theirs, else ``None``.

        Raises ``PinThrottledError`` (without looking at the PIN) while a wait is due, and
        when this wrong PIN starts one."""
        query = select(*_VIEW, _PINS.c.pin_hash).where(_PINS.c.username == username)
        with self._core.write(notify=False) as connection:
            self._refuse_while_waiting(connection, username)
            row = connection.execute(query).first()
        matched = pin_matches(row.pin_hash if row else None, pin)
        found = ProctorView(row.user_id, row.username, row.full_name) if row else None
        return self._proven(self._settle(username, found if matched else None), pin)

    def verify_any(self, pin: str) -> ProctorView | None:
        """Whichever known proctor ``pin`` belongs to (the exam window's close)."""
        query = select(*_VIEW, _PINS.c.pin_hash).order_by(_PINS.c.full_name)
        with self._core.write(notify=False) as connection:
            self._refuse_while_waiting(connection, ANY_PROCTOR)
            rows = connection.execute(query).all()
        found = next(
            (ProctorView(r.user_id, r.username, r.full_name) for r in rows
             if pin_matches(r.pin_hash, pin)),
            None,
        )  # fmt: skip
        return self._proven(self._settle(ANY_PROCTOR, found), pin)

    def _proven(self, proctor: ProctorView | None, pin: str) -> ProctorView | None:
        """Tell the listeners about a PIN that is ``proctor``'s own; a listener's failure
        never fails the PIN check."""
        if proctor is not None:
            for listener in list(self.pin_listeners):
                try:
                    listener(proctor, pin)
                except Exception:
                    log.exception("a PIN listener failed")
        return proctor

    # --- the throttle -----------------------------------------------------------------

    def _settle(self, scope: str, found: ProctorView | None) -> ProctorView | None:
        core = self._core
        with core.write(notify=False) as connection:
            if found is not None:
                connection.execute(delete(_FAILURES).where(_FAILURES.c.scope == scope))
                return found
            now, wall = core.now_ms(), core.wall()
            fresh = insert(_FAILURES).values(
                scope=scope, failures=1, last_failure_ms=now, last_failure_at=wall
            )
            counted = fresh.on_conflict_do_update(
                index_elements=[_FAILURES.c.scope],
                set_={
                    "failures": _FAILURES.c.failures + 1,
                    "last_failure_ms": now,
                    "last_failure_at": fresh.excluded.last_failure_at,
                },
            ).returning(_FAILURES.c.failures)
            failures = int(connection.execute(counted).scalar_one())
        log.warning("a wrong proctor PIN was entered (%d in a row)", failures)
        delay = delay_after(failures)
        if delay:
            raise PinThrottledError(delay, wait_words(delay))
        return None

    def _refuse_while_waiting(self, connection: Connection, scope: str) -> None:
        left = self._wait_left(connection, scope)
        if left:
            raise PinThrottledError(left, wait_words(left))

    def _wait_left(self, connection: Connection, scope: str) -> int:
        row = connection.execute(select(_FAILURES).where(_FAILURES.c.scope == scope)).first()
        delay_ms = delay_after(int(row.failures)) * 1000 if row else 0
        if row is None or not delay_ms:
            return 0
        now = self._core.now_ms()
        if now >= row.last_failure_ms:
            elapsed = int(now - row.last_failure_ms)
        else:  # the machine restarted: the wall clock is all there is; anchor anew
            wall_ms = (self._core.wall() - row.last_failure_at).total_seconds() * 1000
            elapsed = int(min(max(wall_ms, 0), delay_ms))
            connection.execute(
                _FAILURES.update()
                .where(_FAILURES.c.scope == scope)
                .values(last_failure_ms=now - elapsed)
            )
        return math.ceil(max(delay_ms - elapsed, 0) / 1000)
