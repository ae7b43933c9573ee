"""The console's review pages, plugged in where its placeholders were: Items (Ctrl+3),
Attempt (Ctrl+4), Receipts (Ctrl+5), and CSV export on the Results and Items pages.

``add_review_pages(console)`` is called once the Results page is registered
(``build.py``). The Results page gets one small hook and no other change: an "Export
attempts (CSV)…" button placed beside its "Open attempt" button, and Ctrl+Shift+S.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QBoxLayout, QLayout, QPushButton, QWidget

from medxam_desktop.domain.attempt_review import ServerAttempt
from medxam_desktop.ui.admin.attempt_page import AttemptPage
from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.csv_export import CsvExporter
from medxam_desktop.ui.admin.items_page import EXPORT_KEYS, ItemsPage
from medxam_desktop.ui.admin.receipts_page import ReceiptsPage
from medxam_desktop.ui.proctor.widgets import page_shortcut
from medxam_desktop.ui.widgets.naming import named


@dataclass(frozen=True, slots=True)
class ReviewPages:
    items: ItemsPage
    attempt: AttemptPage
    receipts: ReceiptsPage
    exporter: CsvExporter
    export_attempts_button: QPushButton


def add_review_pages(console: AdminConsole) -> ReviewPages:
    context = console.context
    exporter = CsvExporter(context, console)
    exporter.reported.connect(lambda text, _problem: console.show_message(text))

    refresh = getattr(console.page("results"), "refresh", None)
    items = ItemsPage(exporter, refresh_results=refresh if callable(refresh) else None)
    console.register_page("items", "Items", items)
    console.results_loaded.connect(items.show_results)
    if console.snapshot is not None:
        items.show_results(console.snapshot)

    def receipt_of(attempt_id: str) -> str | None:
        snapshot = console.snapshot
        row = snapshot.results.attempt(attempt_id) if snapshot is not None else None
        return row.receipt_code if row is not None else None

    attempt = AttemptPage(context, receipt_lookup=receipt_of)
    console.register_page("attempt", "Attempt", attempt)
    console.attempt_opened.connect(attempt.load)

    def score_changed(changed: ServerAttempt) -> None:
        console.show_message("Score changed; the results are fetched again.")
        if console.delivery_id == changed.delivery_id:
            refresh = getattr(console.page("results"), "refresh", None)
            if callable(refresh):
                refresh()

    attempt.score_changed.connect(score_changed)

    receipts = ReceiptsPage(context)
    console.register_page("receipts", "Receipts", receipts)
    receipts.attempt_chosen.connect(console.open_attempt)

    button = _export_attempts_hook(console, exporter)
    return ReviewPages(items, attempt, receipts, exporter, button)


def _export_attempts_hook(console: AdminConsole, exporter: CsvExporter) -> QPushButton:
    results = console.page("results")

    def export_attempts() -> None:
        snapshot = console.snapshot
        title = snapshot.results.title if snapshot is not None else "results"
        exporter.export(console.delivery_id, title, "attempts")

    button = named(
        QPushButton(f"E&xport attempts (CSV)…  {EXPORT_KEYS}"),
        "exportAttemptsButton",
        "Export the attempts table as CSV",
    )
    button.clicked.connect(export_attempts)
    anchor = getattr(results, "open_button", None)
    page_layout = results.layout()
    row = _layout_holding(page_layout, anchor) if isinstance(anchor, QWidget) else None
    if row is not None and isinstance(anchor, QWidget):
        row.insertWidget(row.indexOf(anchor), button)
    elif page_layout is not None:
        page_layout.addWidget(button)
    page_shortcut(results, EXPORT_KEYS, export_attempts)
    return button


def _layout_holding(layout: QLayout | None, widget: QWidget | None) -> QBoxLayout | None:
    """The box layout (at any depth under ``layout``) that holds ``widget``."""
    if layout is None or widget is None:
        return None
    if isinstance(layout, QBoxLayout) and layout.indexOf(widget) >= 0:
        return layout
    for index in range(layout.count()):
        child = layout.itemAt(index)
        inner = child.layout() if child is not None else None
        found = _layout_holding(inner, widget)
        if found is not None:
            return found
    return None
