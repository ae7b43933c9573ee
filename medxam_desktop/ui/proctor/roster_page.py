"""The room view: every candidate of the delivery, with a filter box (number or name).

Typing filters at once and selects the first match; Up/Down move through the matches
without leaving the box; Enter takes the selected candidate (check-in, start code);
Esc goes back. The table shows each candidate's status, time left, last save and
incidents, and refreshes itself (ui/proctor/room.py). The proctor's actions on the
selected candidate: Ctrl+T extend time, Ctrl+I incident, Ctrl+P pause, Ctrl+R resume
(``action_requested(name, RosterEntry)``); the line below the table lists the selected
candidate's incidents.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.attempt import AttemptView
from medxam_desktop.domain.lifecycle import can
from medxam_desktop.domain.package import PackageInfo, RosterEntry
from medxam_desktop.domain.room import RoomEntry
from medxam_desktop.ui.proctor.room_model import (
    NAME,
    STATUS_WORDS,
    RoomTableModel,
    SearchRole,
)
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named, page_shortcut, set_up_table

_Index = QModelIndex | QPersistentModelIndex
#: The room view's actions on the selected candidate: (name, button text, keys).
ACTIONS = (
    ("extend", "E&xtend time…", "Ctrl+T"),
    ("incident", "&Incident…", "Ctrl+I"),
    ("pause", "&Pause…", "Ctrl+P"),
    ("resume", "&Resume…", "Ctrl+R"),
)


class RosterFilter(QSortFilterProxyModel):
    """Every word typed must appear in the candidate's number or name, in any case."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.words = text.casefold().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent: _Index) -> bool:  # noqa: N802
        haystack = str(self.sourceModel().index(row, 0, parent).data(SearchRole))
        return all(word in haystack for word in self.words)


class RosterPage(QWidget):
    candidate_chosen = Signal(object)  # RosterEntry
    back_requested = Signal()
    action_requested = Signal(str, object)  # an ACTIONS name, RosterEntry

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "rosterPage", "Candidates")
        self.info: PackageInfo | None = None
        self.model = RoomTableModel()
        self.proxy = RosterFilter()
        self.proxy.setSourceModel(self.model)
        self.heading = named(QLabel(""), "rosterHeading", "Delivery")
        self.heading.setWordWrap(True)
        self.filter_edit = named(QLineEdit(), "rosterFilterEdit", "Find a candidate")
        self.filter_edit.setPlaceholderText("Type the candidate number or name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.filter_edit.returnPressed.connect(self.choose)
        self.filter_edit.installEventFilter(self)
        self.table = set_up_table(QTableView(), "rosterTable", "Candidates")
        self.table.setModel(self.proxy)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(lambda _index: self.choose())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self.show_details())
        self.model.dataChanged.connect(lambda *_: self.show_details())
        self.details_label = named(QLabel(""), "roomDetailsLabel", "Selected candidate")
        self.details_label.setWordWrap(True)
        self.details_label.setTextFormat(Qt.TextFormat.PlainText)
        self.action_buttons: dict[str, QPushButton] = {}
        for action, text, keys in ACTIONS:
            plain = text.replace("&", "").rstrip("…")
            button = named(QPushButton(text), f"room{action.title()}Button", plain)
            button.setText(f"{text} ({keys})")
            button.setToolTip(f"{plain} ({keys})")
            button.clicked.connect(self._requester(action))
            page_shortcut(self, keys, self._requester(action))
            self.action_buttons[action] = button
        self.count_label = named(QLabel(""), "rosterCountLabel", "How many candidates match")
        self.message_label = named(QLabel(""), "rosterMessageLabel", "Message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.back_button = named(
            QPushButton("← &Deliveries"), "rosterBackButton", "Back to deliveries"
        )
        self.choose_button = named(
            QPushButton("&Continue →"), "chooseCandidateButton", "Continue with this candidate"
        )
        self.back_button.clicked.connect(self.back_requested)
        self.choose_button.clicked.connect(self.choose)
        page_shortcut(self, "Esc", self.back_requested.emit)

        actions = QHBoxLayout()
        for button in self.action_buttons.values():
            actions.addWidget(button)
        actions.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        buttons.addWidget(self.choose_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details_label)
        layout.addLayout(actions)
        layout.addWidget(self.message_label)
        layout.addLayout(buttons)

    def show_roster(self, info: PackageInfo, attempts: Mapping[str, AttemptView]) -> None:
        self.info = info
        self.heading.setText(
            f"<h2>{escape(info.delivery_title)}</h2>{escape(info.exam_title)}"
            f" · {info.duration_minutes} minutes"
            f" · {info.question_count} questions"
        )
        self.model.set_roster(info.roster, attempts)
        self.message_label.clear()
        self.filter_edit.clear()
        self._filter("")
        self.filter_edit.setFocus()

    def selected_entry(self) -> RosterEntry | None:
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return self.model.entries[self.proxy.mapToSource(current).row()]

    def selected_attempt(self) -> AttemptView | None:
        entry = self.selected_entry()
        return None if entry is None else self.model.attempts.get(entry.taker_id)

    def update_room(self, room: list[RoomEntry]) -> None:
        """A fresh read from the store (the room controller's timer)."""
        self.model.update(room)

    def _requester(self, action: str) -> Callable[[], None]:
        def requested() -> None:
            self.request(action)

        return requested

    def request(self, action: str) -> None:
        """An action on the selected candidate, or words why it cannot be done now."""
        entry, attempt = self.selected_entry(), self.selected_attempt()
        if entry is None:
            self.message_label.setText("Choose a candidate first.")
            return
        problem = _action_problem(action, entry, attempt)
        if problem is not None:
            self.message_label.setText(problem)
            return
        self.message_label.clear()
        self.action_requested.emit(action, entry)

    def show_details(self) -> None:
        """The selected candidate's attempt in one line, with every incident."""
        entry, attempt = self.selected_entry(), self.selected_attempt()
        if entry is None or attempt is None:
            self.details_label.setText("")
            for button in self.action_buttons.values():
                button.setEnabled(False)
            return
        for action, button in self.action_buttons.items():
            button.setEnabled(_action_problem(action, entry, attempt) is None)
        room = self.model.room.get(entry.taker_id)
        incidents = room.incidents if room else ()
        lines = [f"{entry.candidate_number} · {entry.full_name}: {STATUS_WORDS[attempt.status]}"]
        if attempt.credited_downtime_ms:
            credited = _duration(attempt.credited_downtime_ms)
            lines.append(
                f"  The workstation restarted during this exam: {credited} of downtime "
                "was credited to the candidate."
            )
        lines += [f"  {i.at.astimezone().strftime('%H:%M')}  {i.words}" for i in incidents] or [
            "  No incidents recorded."
        ]
        self.details_label.setText("\n".join(lines))

    def choose(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.message_label.setText("No candidate matches. Check the number on their ID card.")
            return
        attempt = self.model.attempts.get(entry.taker_id)
        if attempt is not None and attempt.status.is_over:
            self.message_label.setText(
                f"{entry.full_name} has already {STATUS_WORDS[attempt.status].lower()} this "
                "exam on this workstation and cannot start it again."
            )
            return
        self.message_label.clear()
        self.candidate_chosen.emit(entry)

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        self.count_label.setText(f"{shown} of {total} candidates")
        self.choose_button.setEnabled(shown > 0)
        if shown:
            self._select(0)

    def _select(self, row: int) -> None:
        cell = self.proxy.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            cell,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(cell)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        """Up/Down/PageUp/PageDown in the filter box move through the matches."""
        if watched is self.filter_edit and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            step = {
                Qt.Key.Key_Down: 1,
                Qt.Key.Key_Up: -1,
                Qt.Key.Key_PageDown: 10,
                Qt.Key.Key_PageUp: -10,
            }.get(Qt.Key(event.key()))
            if step is not None and self.proxy.rowCount():
                current = self.table.currentIndex().row()
                self._select(max(0, min(self.proxy.rowCount() - 1, current + step)))
                return True
        return super().eventFilter(watched, event)


def _action_problem(action: str, entry: RosterEntry, attempt: AttemptView | None) -> str | None:
    """Plain words for why the action cannot be done on this candidate now, or ``None``."""
    if attempt is None:
        return f"{entry.full_name} has not started yet: press Enter to check them in."
    status = attempt.status
    if action in ("extend", "incident"):
        if status.is_over:
            return f"{entry.full_name}'s exam is over ({STATUS_WORDS[status].lower()})."
        return None
    if not can(status, action):
        words = {"pause": "be paused", "resume": "be resumed"}.get(action, action)
        return f"{entry.full_name}'s exam is {STATUS_WORDS[status].lower()}: it cannot {words}."
    return None


def _duration(ms: int) -> str:
    """ "2 min 05 s", "40 s"."""
    minutes, seconds = divmod(max(0, ms) // 1000, 60)
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
