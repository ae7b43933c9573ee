"""Tell a screen reader something once, without making it read a ticking label."""

from __future__ import annotations

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QWidget


def announce(widget: QWidget, text: str, *, urgent: bool = False) -> None:
    """Send ``text`` as an accessibility announcement from ``widget``."""
    event = QAccessibleAnnouncementEvent(widget, text)
    politeness = (
        QAccessible.AnnouncementPoliteness.Assertive
        if urgent
        else QAccessible.AnnouncementPoliteness.Polite
    )
    event.setPoliteness(politeness)
    QAccessible.updateAccessibility(event)
