"""Table models of the attempt drill-down: its answers, its event timeline and its score
history (model/view with named roles, read-only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from medxam_desktop.domain.attempt_review import AttemptAnswer, AttemptEvent, ScoreChange
from medxam_desktop.domain.results_text import DASH, event_words, format_points

Index = QModelIndex | QPersistentModelIndex
RowRole = Qt.ItemDataRole.UserRole + 1  # the row's domain object
SortKeyRole = Qt.ItemDataRole.UserRole + 2
CORRECT_COLOUR = QColor("#1d6b33")
WRONG_COLOUR = QColor("#9b1c1c")
T = TypeVar("T")


def seconds_text(ms: int) -> str:
    """``65_400`` ms -> ``1:05``; ``3_725_000`` -> ``1:02:05``."""
    total = ms // 1000
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def result_words(answer: AttemptAnswer) -> str:
    if not answer.answer:
        return "Omitted"
    if answer.is_correct is None:
        return DASH
    return "Correct" if answer.is_correct else "Incorrect"


def _points(value: object) -> str:
    """A decimal string of the events (``"40.0"``) as the console writes points (``40``)."""
    try:
        return format_points(None if value is None else Decimal(str(value)))
    except InvalidOperation:
        return str(value)


def event_details(event: AttemptEvent) -> str:
    """What an event's data says, in words."""
    data = event.data
    reason = str(data.get("reason") or "")
    if event.kind == "attempt.time_extended":
        minutes = data.get("minutes")
        added = f"+{minutes} min" if minutes is not None else "Extra time"
        return f"{added}: {reason}" if reason else added
    if event.kind == "attempt.incident":
        parts = [str(data[k]) for k in ("category", "note") if data.get(k)]
        return ": ".join(parts) or DASH
    if event.kind == "attempt.finished" and data.get("record_count") is not None:
        return f"{data['record_count']} records"
    if event.kind == "score.overridden":
        change = (
            f"score {_points(data.get('old_score'))} → {_points(data.get('new_score'))}, "
            f"penalty {_points(data.get('old_penalty'))} → {_points(data.get('new_penalty'))}"
        )
        return f"{change}: {reason}" if reason else change
    return reason or DASH


class _RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of one domain type; columns are (header, text, sort key) triples."""

    columns: Sequence[tuple[str, Callable[[Any], str], Callable[[Any], Any]]] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: tuple[T, ...] = ()

    def set_rows(self, rows: Sequence[T]) -> None:
        self.beginResetModel()
        self.rows = tuple(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
            and 0 <= section < len(self.columns)
        ):
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        header, text, key = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return text(row)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{header}: {text(row)}"
        if role == RowRole:
            return row
        if role == SortKeyRole:
            return key(row)
        return self.extra(row, index.column(), role)

    def extra(self, row: T, column: int, role: int) -> Any:
        return None


class AnswersTableModel(_RowsModel[AttemptAnswer]):
    columns = (
        ("Q", lambda a: str(a.position), lambda a: a.position),
        ("Answer", lambda a: ", ".join(a.answer) or DASH, lambda a: ",".join(a.answer)),
        ("Result", result_words, result_words),
        (
            "Points",
            lambda a: format_points(a.points_awarded),
            lambda a: float(a.points_awarded or 0),
        ),
        ("Time", lambda a: seconds_text(a.time_spent_ms), lambda a: a.time_spent_ms),
        ("Flagged", lambda a: "Flagged" if a.flagged else "", lambda a: int(a.flagged)),
    )

    def extra(self, row: AttemptAnswer, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and row.is_correct is not None:
            return QBrush(CORRECT_COLOUR if row.is_correct and row.answer else WRONG_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 3, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


def _who(event: AttemptEvent) -> str:
    return event.by_name or (event.by[:8] if event.by else DASH)


class EventsTableModel(_RowsModel[AttemptEvent]):
    """The timeline in the server's order (lifecycle by seq, then score overrides)."""

    columns = (
        ("Time", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), lambda e: e.at),
        ("What", lambda e: event_words(e.kind), lambda e: e.kind),
        ("Who", _who, _who),
        ("Details", event_details, event_details),
    )


class HistoryTableModel(_RowsModel[ScoreChange]):
    """Manual score changes, newest first (as the server lists them)."""

    columns = (
        (
            "Changed",
            lambda c: c.changed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
            lambda c: c.changed_at,
        ),
        ("By", lambda c: c.changed_by_name or DASH, lambda c: c.changed_by_name or ""),
        (
            "Score",
            lambda c: f"{format_points(c.old_score)} → {format_points(c.new_score)}",
            lambda c: float(c.new_score or 0),
        ),
        (
            "Penalty",
            lambda c: f"{format_points(c.old_penalty)} → {format_points(c.new_penalty)}",
            lambda c: float(c.new_penalty or 0),
        ),
        ("Reason", lambda c: c.reason, lambda c: c.reason),
    )
