"""Small helpers shared by the proctor screens."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

W = TypeVar("W", bound=QWidget)

# Messages that need the proctor's attention: dark red, readable on light backgrounds.
MESSAGE_STYLE = "color: #9b1c1c; font-weight: 600;"

#: The one message about a computer without a usable keyring, wherever it shows.
KEYRING_WORDS = (
    "This computer has no usable keyring (its secure password store): you stay signed in "
    "only until MedXam closes, and this workstation's signing key (USB bundles, sync) is "
    "kept in a file that a proctor's PIN unlocks. Exams work as usual. See "
    'docs/operations.md, "Keyring".'
)


def named(widget: W, object_name: str, accessible_name: str) -> W:
    """Give a widget the names tests and screen readers find it by."""
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible_name)
    return widget


def set_up_table(table: QTableView, object_name: str, accessible_name: str) -> QTableView:
    """A read-only, row-selecting table with named headers, kind to keyboard users."""
    named(table, object_name, accessible_name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    named(table.horizontalHeader(), f"{object_name}Columns", f"{accessible_name} columns")
    named(table.verticalHeader(), f"{object_name}Rows", f"{accessible_name} rows")
    return table


def page_shortcut(
    page: QWidget, keys: QKeySequence | QKeySequence.StandardKey | str, slot: Callable[[], object]
) -> QShortcut:
    """A shortcut live only while the focus is on ``page`` (pages share one window)."""
    shortcut = QShortcut(QKeySequence(keys), page, slot)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    return shortcut


def local_time(moment: datetime | None) -> str:
    """A UTC time as the workstation's local date and time, e.g. "Tue 24 Nov 08:00"."""
    if moment is None:
        return "—"
    return moment.astimezone().strftime("%a %d %b %H:%M")


def now_utc() -> datetime:
    return datetime.now(UTC)
