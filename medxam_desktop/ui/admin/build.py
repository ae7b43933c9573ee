"""The admin console with its pages, wired together (imported only when an admin signs in).

The Deliveries and Results pages are built here; Items, Attempt and Receipts stay the
console's placeholders until their pages are registered here the same way.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from medxam_desktop.ui.admin.console import AdminConsole
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.admin.deliveries_page import AdminDeliveriesPage
from medxam_desktop.ui.admin.results_page import ResultsPage
from medxam_desktop.ui.admin.review_pages import add_review_pages


def build_console(context: AdminContext, parent: QWidget | None = None) -> AdminConsole:
    console = AdminConsole(context, parent)
    deliveries = AdminDeliveriesPage(context)
    console.register_page("deliveries", "Deliveries", deliveries)
    deliveries.delivery_chosen.connect(console.open_delivery)
    results = ResultsPage(context)
    console.register_page("results", "Results", results)
    console.delivery_opened.connect(results.load)
    results.attempt_chosen.connect(console.open_attempt)
    results.results_shown.connect(console.set_snapshot)
    add_review_pages(console)  # Items, Attempt, Receipts, CSV export (review_pages.py)
    deliveries.page_shown()  # the first page: fetch the list now
    return console
