"""The question navigator: a grid of numbered boxes, one per question.

``ExamNavigatorModel`` holds each question's state under named roles (answered, flagged,
unseen, current, not saved); ``NavigatorDelegate`` paints them with the theme's colours.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, IntFlag
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListView, QStyledItemDelegate, QStyleOptionViewItem, QWidget

AnyIndex = QModelIndex | QPersistentModelIndex


class NavigatorRole(IntEnum):
    QUESTION_ID = Qt.ItemDataRole.UserRole + 1
    ANSWERED = Qt.ItemDataRole.UserRole + 2
    FLAGGED = Qt.ItemDataRole.UserRole + 3
    UNSEEN = Qt.ItemDataRole.UserRole + 4
    CURRENT = Qt.ItemDataRole.UserRole + 5
    UNSAVED = Qt.ItemDataRole.UserRole + 6
    STATE = Qt.ItemDataRole.UserRole + 7  # all of the above as StateBits, for painting


class StateBits(IntFlag):
    ANSWERED = 1
    FLAGGED = 2
    UNSEEN = 4
    CURRENT = 8
    UNSAVED = 16


@dataclass(slots=True)
class NavigatorEntry:
    question_id: str
    answered: bool = False
    flagged: bool = False
    seen: bool = False
    unsaved: bool = False


class ExamNavigatorModel(QAbstractListModel):
    """One row per question, in exam order."""

    def __init__(self, question_ids: list[str], parent: Any = None) -> None:
        super().__init__(parent)
        self._entries = [NavigatorEntry(question_id) for question_id in question_ids]
        self._current = 0

    def rowCount(self, parent: AnyIndex | None = None) -> int:  # noqa: N802 (Qt name)
        return 0 if parent is not None and parent.isValid() else len(self._entries)

    def roleNames(self) -> dict[int, QByteArray]:  # noqa: N802 (Qt name)
        names = super().roleNames()
        for role in NavigatorRole:
            names[int(role)] = QByteArray(role.name.lower().encode())
        return names

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(index.row() + 1)
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self.describe(index.row())
        if role == NavigatorRole.STATE:
            return int(self.state_bits(index.row()))
        values: dict[int, object] = {
            NavigatorRole.QUESTION_ID: entry.question_id,
            NavigatorRole.ANSWERED: entry.answered,
            NavigatorRole.FLAGGED: entry.flagged,
            NavigatorRole.UNSEEN: not entry.seen,
            NavigatorRole.CURRENT: index.row() == self._current,
            NavigatorRole.UNSAVED: entry.unsaved,
        }
        return values.get(int(role))

    def state_bits(self, row: int) -> StateBits:
        entry, bits = self._entries[row], StateBits(0)
        if entry.answered:
            bits |= StateBits.ANSWERED
        if entry.flagged:
            bits |= StateBits.FLAGGED
        if not entry.seen:
            bits |= StateBits.UNSEEN
        if row == self._current:
            bits |= StateBits.CURRENT
        if entry.unsaved:
            bits |= StateBits.UNSAVED
        return bits

    def describe(self, row: int) -> str:
        entry = self._entries[row]
        words = [f"Question {row + 1}", "answered" if entry.answered else "not answered"]
        if entry.flagged:
            words.append("flagged for review")
        if not entry.seen:
            words.append("not yet seen")
        if entry.unsaved:
            words.append("NOT saved")
        if row == self._current:
            words.append("on screen")
        return ", ".join(words)

    def entry(self, row: int) -> NavigatorEntry:
        return self._entries[row]

    def update_entry(
        self,
        row: int,
        *,
        answered: bool | None = None,
        flagged: bool | None = None,
        seen: bool | None = None,
        unsaved: bool | None = None,
    ) -> None:
        entry = self._entries[row]
        if answered is not None:
            entry.answered = answered
        if flagged is not None:
            entry.flagged = flagged
        if seen is not None:
            entry.seen = seen
        if unsaved is not None:
            entry.unsaved = unsaved
        self._changed(row)

    def set_current(self, row: int) -> None:
        previous, self._current = self._current, row
        self._changed(previous)
        self._changed(row)

    def _changed(self, row: int) -> None:
        index = self.index(row, 0)
        self.dataChanged.emit(index, index)


@dataclass(frozen=True, slots=True)
class NavigatorColours:
    unseen: str
    seen: str
    answered: str
    text: str
    answered_text: str
    current_border: str
    flag: str
    unsaved: str


NORMAL_COLOURS = NavigatorColours(
    "#ffffff", "#e8ecf2", "#2f6fb3", "#1b1f24", "#ffffff", "#d9730d", "#c62828", "#b00020"
)
HIGH_CONTRAST_COLOURS = NavigatorColours(
    "#000000", "#000000", "#ffff00", "#ffffff", "#000000", "#00ffff", "#ff00ff", "#ff4040"
)


class NavigatorDelegate(QStyledItemDelegate):
    """A box per question: filled when answered, a corner mark when flagged, a thick
    border when on screen (red when not saved). Each box is drawn once per state into a
    pixmap and then only copied: scrolling the grid repaints dozens of boxes."""

    CELL = QSize(44, 36)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours = NORMAL_COLOURS
        self._boxes: dict[tuple[int, int, NavigatorColours, float, str], QPixmap] = {}

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:  # noqa: N802
        return self.CELL

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        ratio = painter.device().devicePixelRatioF()
        font = option.font
        bits = int(index.data(NavigatorRole.STATE))
        key = (index.row(), bits, self.colours, ratio, font.key())
        box = self._boxes.get(key)
        if box is None:
            box = self._boxes[key] = self._draw(index.row() + 1, StateBits(bits), ratio, font)
        painter.drawPixmap(option.rect.topLeft(), box)

    def _draw(self, number: int, bits: StateBits, ratio: float, font: QFont) -> QPixmap:
        c = self.colours
        pixmap = QPixmap(self.CELL * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        box = QRect(QPoint(0, 0), self.CELL).adjusted(3, 3, -3, -3)
        answered = StateBits.ANSWERED in bits
        fill = c.answered if answered else (c.unseen if StateBits.UNSEEN in bits else c.seen)
        if StateBits.UNSAVED in bits:
            pen = QPen(QColor(c.unsaved), 3)
        elif StateBits.CURRENT in bits:
            pen = QPen(QColor(c.current_border), 3)
        else:
            pen = QPen(QColor(c.text), 1)
        painter.setPen(pen)
        painter.setBrush(QColor(fill))
        painter.drawRoundedRect(box, 4, 4)
        if StateBits.FLAGGED in bits:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c.flag))
            corner = box.topRight()
            painter.drawPolygon([corner, corner + QPoint(-10, 0), corner + QPoint(0, 10)])
        painter.setPen(QColor(c.answered_text if answered else c.text))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(number))
        painter.end()
        return pixmap


class NavigatorView(QListView):
    """The grid itself; it is driven by mouse, keyboard users move with the arrows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("questionNavigator")
        self.setAccessibleName("Question navigator")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setGridSize(NavigatorDelegate.CELL)
        self.setSelectionMode(QListView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.delegate = NavigatorDelegate(self)
        self.setItemDelegate(self.delegate)

    def show_row(self, row: int) -> None:
        """Scroll only when the box is out of sight, then centre it: the grid then scrolls
        once every few rows, not on every row (each scroll repaints every visible box)."""
        index = self.model().index(row, 0)
        if not self.viewport().rect().contains(self.visualRect(index)):
            self.scrollTo(index, QListView.ScrollHint.PositionAtCenter)
