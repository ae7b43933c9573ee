"""Table models of the attempt drill-down: its answers, its event timeline and its score
history (model/view with named roles, read-only)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from medxam_desktop.domain.attempt_review import AttemptAnswer, AttemptEvent, ScoreChange
from medxam_desktop.domain.results_text import DASH, event_words, format_points
from medxam_desktop.ui.admin.rows_model import RIGHT_ALIGNED, RowsModel

CORRECT_COLOUR = QColor("#1d6b33")
WRONG_COLOUR = QColor("#9b1c1c")


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


class AnswersTableModel(RowsModel[AttemptAnswer]):
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
            return RIGHT_ALIGNED
        return None


def _who(event: AttemptEvent) -> str:
    return event.by_name or (event.by[:8] if event.by else DASH)


class EventsTableModel(RowsModel[AttemptEvent]):
    """The timeline in the server's order (lifecycle by seq, then score overrides)."""

    columns = (
        ("Time", lambda e: e.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"), lambda e: e.at),
        ("What", lambda e: event_words(e.kind), lambda e: e.kind),
        ("Who", _who, _who),
        ("Details", event_details, event_details),
    )


class HistoryTableModel(RowsModel[ScoreChange]):
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
