"""The admin's results console: a navigation list, a page stack and a status bar.

Pages (key, title, shortcut):

    deliveries  Deliveries  Ctrl+1   list with sync completeness (deliveries_page.py)
    results     Results     Ctrl+2   summary, histogram, attempts (results_page.py)
    items       Items       Ctrl+3   item analysis                 (placeholder: H5b)
    attempt     Attempt     Ctrl+4   one attempt's drill-down      (placeholder: H5b)
    receipts    Receipts    Ctrl+5   receipt verification          (placeholder: H5b)

Alt+Left goes back to the page shown before; F5 refreshes the page shown; Ctrl+L moves
the focus to the navigation list.

How a page plugs in:

- Build it with the console's ``context`` (``AdminContext``: ``api``, ``source``,
  ``calls``, ``user``) and call ``console.register_page(key, title, page)``. A key the
  console already has (a placeholder) is replaced in place: same place in the list,
  same Ctrl+digit.
- Listen to ``console.delivery_opened(delivery_id)`` / ``console.attempt_opened
  (attempt_id)``; ask for navigation with ``console.open_delivery(id)`` /
  ``console.open_attempt(id)`` / ``console.show_page(key)``. The delivery whose results
  are open is ``console.delivery_id``; its last parsed ``ResultsSnapshot`` is
  ``console.snapshot`` (``results_loaded`` fires when it changes: the Items page needs
  no second request).
- Optional duck-typed hooks on the page: ``refresh()`` (F5 and the Refresh button) and
  ``page_shown()`` (each time it comes up).
- Every server call goes through ``context.calls.call(fn, on_done=…, on_error=…)``: it
  runs off the UI thread and keeps the online/slow/offline state of the status bar. A
  page shows an error as one plain line of its own (``errors.user_message``), never a
  message box, and being offline not at all (the status bar says it).
- Give every control an accessible name (``ui/widgets/naming.named``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.results import ResultsSnapshot
from medxam_desktop.domain.results_text import format_time
from medxam_desktop.ui.admin.connection import ServerState
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

PAGES: tuple[tuple[str, str], ...] = (
    ("deliveries", "Deliveries"),
    ("results", "Results"),
    ("items", "Items"),
    ("attempt", "Attempt"),
    ("receipts", "Receipts"),
)
STATE_WORDS = {
    ServerState.UNKNOWN: "Checking the server…",
    ServerState.ONLINE: "Online",
    ServerState.SLOW: "Online — the server is slow",
    ServerState.OFFLINE: "Offline",
}


def name_viewports(page: QWidget) -> None:
    """A scroll area's viewport (a chart's, a table's) takes the focus itself: give an
    unnamed one its owner's accessible name, so a screen reader says what it is."""
    for area in page.findChildren(QAbstractScrollArea):
        viewport = area.viewport()
        if viewport is not None and not viewport.accessibleName() and area.accessibleName():
            viewport.setAccessibleName(area.accessibleName())


class PlaceholderPage(QWidget):
    """Stands in for a page another part of the console provides."""

    def __init__(self, key: str, title: str, text: str) -> None:
        super().__init__()
        named(self, f"{key}Page", title)
        label = named(QLabel(text), f"{key}PlaceholderLabel", f"{title}: not available yet")
        label.setWordWrap(True)
        label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel(f"<h2>{title}</h2>"), f"{key}TitleLabel", title))
        layout.addWidget(label)
        layout.addStretch(1)


class AdminConsole(QWidget):
    delivery_opened = Signal(str)  # delivery_id
    attempt_opened = Signal(str)  # attempt_id
    results_loaded = Signal(object)  # ResultsSnapshot of the open delivery
    page_changed = Signal(str)  # key
    sign_out_requested = Signal()

    def __init__(self, context: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "adminConsole", "Results console")
        self.context = context
        self.delivery_id: str | None = None
        self.attempt_id: str | None = None
        self.snapshot: ResultsSnapshot | None = None
        self._keys: list[str] = []
        self._labels: dict[str, str] = {}
        self._history: list[str] = []
        self._going_back = False
        self._build()
        for index, (key, title) in enumerate(PAGES):
            placeholder = PlaceholderPage(key, title, f"The {title} page is not built yet.")
            self.register_page(key, title, placeholder, shortcut=f"Ctrl+{index + 1}")
        self._shortcut("Alt+Left", self.back)
        self._shortcut("F5", self.refresh)
        self._shortcut("Ctrl+L", self.nav.setFocus)
        context.calls.state_changed.connect(self._state_changed)
        context.calls.refreshed.connect(self._refreshed)

    def _build(self) -> None:
        user = self.context.user
        self.user_label = named(
            QLabel(f"Signed in as {user.full_name} (admin)"), "adminUserLabel", "Signed in as"
        )
        self.refresh_button = named(QPushButton("&Refresh (F5)"), "refreshButton", "Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        self.sign_out_button = named(QPushButton("Sign &out"), "adminSignOutButton", "Sign out")
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        top = QHBoxLayout()
        top.addWidget(self.user_label, 1)
        top.addWidget(self.refresh_button)
        top.addWidget(self.sign_out_button)
        self.nav = named(QListWidget(), "adminNavigation", "Console pages")
        self.nav.setMaximumWidth(170)
        self.nav.currentRowChanged.connect(self._nav_changed)
        self.pages = named(QStackedWidget(), "adminPages", "Console page")
        middle = QHBoxLayout()
        middle.addWidget(self.nav)
        middle.addWidget(self.pages, 1)
        self.status_bar = named(QStatusBar(), "adminStatusBar", "Console status")
        self.status_bar.setSizeGripEnabled(False)
        self.message_label = named(QLabel(""), "adminMessageLabel", "Console message")
        self.state_label = named(
            QLabel(STATE_WORDS[ServerState.UNKNOWN]), "serverStateLabel", "Server state"
        )
        self.refreshed_label = named(QLabel(""), "lastRefreshedLabel", "Last refreshed")
        self.status_bar.addWidget(self.message_label, 1)
        self.status_bar.addPermanentWidget(self.refreshed_label)
        self.status_bar.addPermanentWidget(self.state_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addWidget(self.status_bar)

    def _shortcut(self, keys: str, slot: Callable[[], object]) -> QShortcut:
        shortcut = QShortcut(QKeySequence(keys), self, slot)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        return shortcut

    # --- pages ------------------------------------------------------------------------

    def register_page(
        self, key: str, title: str, page: QWidget, *, shortcut: str | None = None
    ) -> None:
        """Add ``page`` under ``key`` or replace the page that has that key."""
        name_viewports(page)
        if key in self._keys:
            index = self._keys.index(key)
            old = self.page(key)
            was_current = self.pages.currentIndex() == index
            self.pages.insertWidget(index, page)
            self.pages.removeWidget(old)
            old.deleteLater()
            self.nav.item(index).setText(title + self._labels[key])
            self.nav.item(index).setData(Qt.ItemDataRole.AccessibleTextRole, title)
            if was_current:
                self.pages.setCurrentIndex(index)
            return
        self._keys.append(key)
        self.pages.addWidget(page)
        self._labels[key] = f"    {shortcut}" if shortcut else ""  # after the title
        item = QListWidgetItem(title + self._labels[key])
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        self.nav.addItem(item)
        if shortcut:
            self._shortcut(shortcut, partial(self.show_page, key))
        if len(self._keys) == 1:
            self.nav.setCurrentRow(0)

    def page(self, key: str) -> QWidget:
        page = self.pages.widget(self._keys.index(key))
        assert page is not None
        return page

    @property
    def current_key(self) -> str:
        return self._keys[self.pages.currentIndex()]

    def show_page(self, key: str, *, focus: bool = True) -> None:
        self.nav.setCurrentRow(self._keys.index(key))  # -> _nav_changed
        if focus:
            self._focus_page(self.page(key))

    def back(self) -> None:
        """Alt+Left: the page shown before."""
        if not self._history:
            return
        key = self._history.pop()
        self._going_back = True
        try:
            self.nav.setCurrentRow(self._keys.index(key))
        finally:
            self._going_back = False
        self._focus_page(self.page(key))

    @staticmethod
    def _focus_page(page: QWidget) -> None:
        """The page's focus proxy, else its first focusable control."""
        target = page.focusProxy()
        if target is None:
            target = page.nextInFocusChain()
            while (
                target is not None
                and target is not page
                and not (
                    page.isAncestorOf(target)
                    and target.focusPolicy() & Qt.FocusPolicy.TabFocus
                    and target.isVisibleTo(page)
                )
            ):
                target = target.nextInFocusChain()
        (target if target is not None and target is not page else page).setFocus(
            Qt.FocusReason.ShortcutFocusReason
        )

    def _nav_changed(self, row: int) -> None:
        if row < 0 or row == self.pages.currentIndex():
            return
        if self.pages.currentIndex() >= 0 and not self._going_back:
            self._history.append(self.current_key)
            del self._history[:-20]
        self.pages.setCurrentIndex(row)
        page = self.pages.currentWidget()
        shown = getattr(page, "page_shown", None)
        if callable(shown):
            shown()
        self.page_changed.emit(self._keys[row])

    def refresh(self) -> None:
        """F5: the page shown fetches again (if it fetches anything)."""
        hook = getattr(self.pages.currentWidget(), "refresh", None)
        if callable(hook):
            hook()

    # --- navigation seams -------------------------------------------------------------

    def open_delivery(self, delivery_id: str) -> None:
        """Show the results of ``delivery_id`` (the Results page loads them)."""
        self.delivery_id = delivery_id
        log.info("results of delivery %s opened", delivery_id)
        self.delivery_opened.emit(delivery_id)
        self.show_page("results")

    def open_attempt(self, attempt_id: str) -> None:
        self.attempt_id = attempt_id
        self.attempt_opened.emit(attempt_id)
        self.show_page("attempt")

    def set_snapshot(self, snapshot: ResultsSnapshot) -> None:
        """The Results page's latest results, for the other pages."""
        self.snapshot = snapshot
        self.results_loaded.emit(snapshot)

    # --- status bar -------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        """One plain line in the status bar ("" clears it)."""
        self.message_label.setText(text)

    def _state_changed(self, state: ServerState, problem: str) -> None:
        self.state_label.setText(STATE_WORDS[state])
        self.state_label.setToolTip(problem)
        self.state_label.setAccessibleDescription(problem)
        if state is ServerState.OFFLINE and problem:
            self.show_message(problem)
        elif state is ServerState.ONLINE:
            self.show_message("")

    def _refreshed(self, moment: datetime) -> None:
        self.refreshed_label.setText(f"Last refreshed {format_time(moment, with_date=False)}")
