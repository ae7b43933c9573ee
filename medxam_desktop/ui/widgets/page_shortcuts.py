"""Keyboard shortcuts that belong to one page of a ``QStackedWidget``.

A shortcut that is enabled swallows its key even when its action does nothing, so a
page's shortcuts are disabled while another page is up: there the key reaches the
focused widget (the arrows move in the review list, not between questions).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QStackedWidget, QWidget


class PageShortcuts:
    def __init__(self, owner: QWidget, pages: QStackedWidget) -> None:
        self._owner = owner
        self._pages = pages
        self._shortcuts: list[tuple[QShortcut, QWidget | None]] = []
        pages.currentChanged.connect(self._page_changed)

    def add(self, key: str, action: Callable[[], None], *, only_on: QWidget | None) -> None:
        """``key`` runs ``action`` while ``only_on`` is the current page (always if None)."""
        shortcut = QShortcut(QKeySequence(key), self._owner)
        shortcut.setAutoRepeat(False)
        shortcut.activated.connect(action)
        shortcut.setEnabled(only_on is None or self._pages.currentWidget() is only_on)
        self._shortcuts.append((shortcut, only_on))

    def _page_changed(self) -> None:
        page = self._pages.currentWidget()
        for shortcut, only_on in self._shortcuts:
            shortcut.setEnabled(only_on is None or only_on is page)
