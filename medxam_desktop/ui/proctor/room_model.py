"""The room view's table: every candidate of the delivery with the state of their attempt.

One row per roster entry (sorted by candidate number); the columns say the status, the
time left, the last save and the incidents of the candidate's latest attempt on this
workstation. ``update`` takes a fresh read from the store (``store.room.entries``) and
changes cells in place (``dataChanged``), so the selection and the focus stay where the
proctor left them while the view refreshes itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.lifecycle import AttemptStatus
from medxam_desktop.domain.package import RosterEntry
from medxam_desktop.domain.room import RoomEntry
from medxam_desktop.domain.timing import format_time_left

_Index = QModelIndex | QPersistentModelIndex
STATUS_WORDS = {
    AttemptStatus.CHECKED_IN: "Checked in",
    AttemptStatus.ACTIVE: "In progress",
    AttemptStatus.PAUSED: "Paused",
    AttemptStatus.FINISHED: "Finished",
    AttemptStatus.TERMINATED: "Ended early",
}
NOT_STARTED = "Not started"
HEADERS = ("Number", "Name", "Status", "Time left", "Last save", "Incidents")
NUMBER, NAME, STATUS, TIME_LEFT, LAST_SAVE, INCIDENTS = range(len(HEADERS))

_User = Qt.ItemDataRole.UserRole
SearchRole = _User + 1  # "c1003 alan turing": what the filter box matches
TakerIdRole = _User + 2
AttemptIdRole = _User + 3  # None before a check-in
StatusRole = _User + 4  # the AttemptStatus value, or "" before a check-in
RemainingMsRole = _User + 5  # int, or None before a check-in
IncidentCountRole = _User + 6


def _last_save(entry: RoomEntry | None) -> str:
    if entry is None or entry.last_saved_at is None:
        return "—"
    return entry.last_saved_at.astimezone().strftime("%H:%M:%S")


def _incidents(entry: RoomEntry | None) -> str:
    if entry is None or not entry.incidents:
        return ""
    last = entry.incidents[-1]
    more = len(entry.incidents) - 1
    return last.words + (f" (+{more} more)" if more else "")


class RoomTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.entries: tuple[RosterEntry, ...] = ()
        self.attempts: Mapping[str, AttemptView] = {}  # taker id -> latest attempt
        self.room: Mapping[str, RoomEntry] = {}  # taker id -> latest attempt's room entry

    def set_roster(
        self, entries: tuple[RosterEntry, ...], attempts: Mapping[str, AttemptView]
    ) -> None:
        self.beginResetModel()
        self.entries = tuple(sorted(entries, key=lambda e: e.candidate_number))
        self.attempts = attempts
        self.room = {}
        self.endResetModel()

    def update(self, room: Iterable[RoomEntry]) -> None:
        """A fresh read: the latest attempt of each candidate, cells changed in place."""
        latest: dict[str, RoomEntry] = {}
        for entry in sorted(room, key=lambda e: e.attempt.checked_in_at):
            latest[entry.attempt.taker_id] = entry
        self.room = latest
        self.attempts = {taker: entry.attempt for taker, entry in latest.items()}
        if self.entries:
            self.dataChanged.emit(
                self.index(0, STATUS), self.index(len(self.entries) - 1, len(HEADERS) - 1)
            )

    def entry_at(self, row: int) -> RosterEntry:
        return self.entries[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        entry = self.entries[index.row()]
        attempt = self.attempts.get(entry.taker_id)
        if role >= _User:
            return self._user_data(entry, attempt, role)
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == INCIDENTS:
            room = self.room.get(entry.taker_id)
            return "\n".join(i.words for i in room.incidents) if room else None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        return self._text(entry, attempt, index.column())

    def _text(self, entry: RosterEntry, attempt: AttemptView | None, column: int) -> str:
        if column == NUMBER:
            return entry.candidate_number
        if column == NAME:
            return entry.full_name
        if column == STATUS:
            return STATUS_WORDS[attempt.status] if attempt else NOT_STARTED
        if column == TIME_LEFT:
            if attempt is None or attempt.status.is_over:
                return "—"
            left = format_time_left(attempt.remaining_ms)
            if attempt.extension_ms:
                left += f" (+{attempt.extension_ms // 60_000} min)"
            return left
        room = self.room.get(entry.taker_id)
        return _last_save(room) if column == LAST_SAVE else _incidents(room)

    def _user_data(self, entry: RosterEntry, attempt: AttemptView | None, role: int) -> Any:
        if role == SearchRole:
            return f"{entry.candidate_number} {entry.full_name}".casefold()
        if role == TakerIdRole:
            return entry.taker_id
        if role == AttemptIdRole:
            return attempt.id if attempt else None
        if role == StatusRole:
            return attempt.status.value if attempt else ""
        if role == RemainingMsRole:
            return attempt.remaining_ms if attempt else None
        if role == IncidentCountRole:
            room = self.room.get(entry.taker_id)
            return len(room.incidents) if room else 0
        return None
