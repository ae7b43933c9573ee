"""What the proctor screens need from the Store, as structural types.

The real ``medxam_desktop.store.Store`` satisfies ``ProctorStore``; every call goes
through ``ui.tasks.run_on_store``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.package import PackageInfo


class PackagesPort(Protocol):
    def save(self, raw_package: bytes) -> PackageInfo: ...
    def get_raw(self, delivery_id: str) -> bytes: ...
    def list(self) -> Sequence[PackageInfo]: ...


class ProctorAttemptsPort(Protocol):
    def check_in(self, *, delivery_id: str, taker_id: str, by: str | None) -> AttemptView: ...
    def start(self, attempt_id: str, *, by: str | None) -> object: ...
    def resume(self, attempt_id: str, *, by: str | None) -> object: ...
    def get(self, attempt_id: str) -> AttemptView: ...
    def list_for_delivery(self, delivery_id: str) -> Sequence[AttemptView]: ...


class ProctorStore(Protocol):
    @property
    def packages(self) -> PackagesPort: ...
    @property
    def attempts(self) -> ProctorAttemptsPort: ...
