"""The ``Store`` facade: one SQLite file, small repositories, domain objects out."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Self

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from medxam_desktop.domain.timing import Clock, SystemClock
from medxam_desktop.errors import StoreError
from medxam_desktop.store import models
from medxam_desktop.store.answers import AnswerRepository
from medxam_desktop.store.attempts import AttemptRepository
from medxam_desktop.store.core import StoreCore, describe
from medxam_desktop.store.engine import FILE_MODE, make_engine, prepare_file
from medxam_desktop.store.migrate import upgrade
from medxam_desktop.store.outbox import OutboxRepository
from medxam_desktop.store.packages import PackageRepository
from medxam_desktop.store.proctors import PinListener, ProctorRepository
from medxam_desktop.store.room import RoomRepository

log = logging.getLogger(__name__)


class Store:
    """``Store.open(path)``; then ``store.packages``, ``.attempts``, ``.answers``, ``.outbox``,
    ``.proctors``, ``.room`` (the proctor's room view).

    Calls are serialised by one lock (the UI calls through ``ui.tasks.run_on_store``).
    Opening migrates the file and brings any attempt left active by a crash back paused
    (``attempts.recover_after_restart()`` lists them for the proctor)."""

    def __init__(self, path: Path, core: StoreCore) -> None:
        self.path = path
        self._core = core
        self.packages = PackageRepository(core)
        self.attempts = AttemptRepository(core)
        self.answers = AnswerRepository(core)
        self.outbox = OutboxRepository(core)
        self.proctors = ProctorRepository(core)
        self.room = RoomRepository(core, self.attempts)

    @classmethod
    def open(cls, path: Path, *, clock: Clock | None = None, recover: bool = True) -> Self:
        """``recover=False`` for a second process (``medxam-desktop status``/``sync``)
        that must not pause the exam the window is running."""
        path = Path(path)
        try:
            prepare_file(path)
            engine = make_engine(path)
            upgrade(engine)
        except (DBAPIError, OSError) as exc:
            raise StoreError(describe(exc)) from exc
        core = StoreCore(engine, clock or SystemClock())
        store = cls(path, core)
        store._initialise()
        prepare_file(path)  # the -wal and -shm files exist now: 0600 too
        if recover:
            store.attempts.recover_after_restart()
        return store

    @property
    def workstation_id(self) -> str:
        return self._core.workstation_id

    @property
    def engine(self) -> Engine:
        """For the store's own tests and benchmarks; the UI never touches it."""
        return self._core.engine

    def add_write_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs on the writing thread after each committed write of exam
        work (not the outbox bookkeeping): how the pusher hears about a local write."""
        self._core.write_listeners.append(listener)

    def add_pin_listener(self, listener: PinListener) -> None:
        """``listener(proctor, pin)`` after every PIN proven to be ``proctor``'s (checked,
        set or changed), on the checking thread: how the key file is opened with it."""
        self.proctors.pin_listeners.append(listener)

    def remove_pin_listener(self, listener: PinListener) -> None:
        if listener in self.proctors.pin_listeners:
            self.proctors.pin_listeners.remove(listener)

    def close(self) -> None:
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def integrity_check(self) -> str:
        with self._core.read() as connection:
            return str(connection.execute(text("PRAGMA integrity_check")).scalar())

    def backup(self, target: Path) -> None:
        """A consistent copy through SQLite's backup API (never a file copy)."""
        target = Path(target)
        prepare_file(target)
        with self._core.lock, self._core.engine.connect() as connection:
            source = connection.connection.driver_connection
            assert isinstance(source, sqlite3.Connection)
            destination = sqlite3.connect(target)
            try:
                source.backup(destination)
            except sqlite3.Error as exc:
                raise StoreError(describe(exc)) from exc
            finally:
                destination.close()
        target.chmod(FILE_MODE)

    def _initialise(self) -> None:
        """The workstation id (made once) and the monotonic offset across reboots."""
        core = self._core
        meta = models.META_TABLE
        with core.write() as connection:
            found = connection.execute(
                select(meta.c.value).where(meta.c.key == "workstation_id")
            ).scalar()
            if found is None:
                found = str(uuid.uuid4())
                connection.execute(meta.insert().values(key="workstation_id", value=found))
                log.info("new workstation id made")
            core.workstation_id = found
            seen = [
                connection.execute(select(func.max(models.Attempt.checkpoint_ms))).scalar(),
                connection.execute(select(func.max(models.TimeSegment.end_ms))).scalar(),
            ]
        high = max((s for s in seen if s is not None), default=0)
        with contextlib.suppress(ValueError):
            now = core.clock.monotonic_ms()
            if now <= high:  # the clock restarted (a reboot): keep the timeline increasing
                core.mono_offset = high - now + 1
