"""The room view's action dialogs: extend time, record an incident, pause, resume.

Each asks for what the action needs and for the proctor's PIN, which says who did it
(the ``by`` of the record). The dialog checks the form (domain/room.py rules) and emits
``submitted(fields, pin)``; the room controller runs the PIN check and the action on
the store worker and calls ``refuse(words)`` or ``accept()``. Opened with ``open()``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.room import (
    INCIDENT_CATEGORIES,
    MAX_EXTENSION_MINUTES,
    MAX_NOTE_CHARS,
    MAX_REASON_CHARS,
    extension_problem,
    incident_problem,
)
from medxam_desktop.ui.proctor.pin_dialog import pin_edit
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named


class RoomActionDialog(QDialog):
    """Intro words, the action's own fields, the PIN, a message line, OK/Cancel."""

    submitted = Signal(dict, str)  # the action's fields, the PIN

    def __init__(
        self, name: str, title: str, intro: str, ok_text: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        named(self, name, title)
        self.setWindowTitle(f"{title} — MedXam")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(440)
        self.intro = named(QLabel(intro), f"{name}Intro", title)
        self.intro.setWordWrap(True)
        self.form = QFormLayout()
        self.first_field: QWidget | None = None
        self.pin_edit = pin_edit(f"{name}PinEdit", "Your proctor PIN")
        self.message_label = named(QLabel(""), f"{name}Message", "Message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        named(self.buttons, f"{name}Buttons", "Confirm or cancel")
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(self.ok_button, f"{name}OkButton", ok_text).setText(ok_text)
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        named(cancel, f"{name}CancelButton", "Cancel")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(self.form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)

    def add_row(self, text: str, widget: QWidget) -> None:
        label = named(QLabel(text), f"{widget.objectName()}Label", widget.accessibleName())
        label.setBuddy(widget)
        self.form.addRow(label, widget)

    def finish_form(self) -> None:
        """The PIN goes last; the cursor goes to the first field."""
        self.add_row("Your &PIN", self.pin_edit)
        first = self.form.itemAt(0, QFormLayout.ItemRole.FieldRole)
        widget = first.widget() if first is not None else None
        self.first_field = widget if widget is not None else self.pin_edit

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        if self.first_field is not None:
            self.first_field.setFocus()  # not the default button: the proctor types at once

    def fields(self) -> dict[str, Any]:
        return {}

    def problem(self, fields: dict[str, Any]) -> str | None:
        return None

    def _submit(self) -> None:
        fields = self.fields()
        problem = self.problem(fields)
        if problem is None and not self.pin_edit.text():
            problem = "Type your PIN to confirm."
            self.pin_edit.setFocus()
        if problem is not None:
            self.message_label.setText(problem)
            return
        self.set_busy(True)
        self.message_label.setText("Checking your PIN…")
        self.submitted.emit(fields, self.pin_edit.text())

    def refuse(self, words: str) -> None:
        self.set_busy(False)
        self.message_label.setText(words)
        self.pin_edit.clear()
        self.pin_edit.setFocus()

    def set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)


class ExtendTimeDialog(RoomActionDialog):
    def __init__(self, who: str, *, already_ms: int, parent: QWidget | None = None) -> None:
        already = already_ms // 60_000
        left = max(0, MAX_EXTENSION_MINUTES - already)
        super().__init__(
            "extendTimeDialog",
            "Extend time",
            f"Give {who} extra time. The candidate's countdown grows at once and the "
            f"screen tells them. At most {MAX_EXTENSION_MINUTES} extra minutes per attempt"
            + (f" ({already} given already)." if already else "."),
            "Extend time",
            parent,
        )
        self.already_ms = already_ms
        self.minutes = named(QSpinBox(), "extendMinutesSpin", "Extra minutes")
        self.minutes.setRange(1, max(1, left))
        self.minutes.setValue(min(5, max(1, left)))
        self.minutes.setSuffix(" min")
        self.reason = named(QLineEdit(), "extendReasonEdit", "Reason")
        self.reason.setMaxLength(MAX_REASON_CHARS)
        self.reason.setPlaceholderText("e.g. fire alarm, 10 minutes outside")
        self.add_row("&Minutes", self.minutes)
        self.add_row("&Reason", self.reason)
        self.finish_form()

    def fields(self) -> dict[str, Any]:
        return {"minutes": self.minutes.value(), "reason": self.reason.text().strip()}

    def problem(self, fields: dict[str, Any]) -> str | None:
        return extension_problem(fields["minutes"], fields["reason"], already_ms=self.already_ms)


class IncidentDialog(RoomActionDialog):
    def __init__(self, who: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "incidentDialog",
            "Record an incident",
            f"Record an incident for {who}. It is kept with the attempt and sent to the "
            "server with the candidate's answers.",
            "Record incident",
            parent,
        )
        self.category = named(QComboBox(), "incidentCategoryCombo", "Kind of incident")
        named(self.category.view(), "incidentCategoryList", "Kinds of incident")
        for key, words in INCIDENT_CATEGORIES.items():
            self.category.addItem(words, key)
        self.note = named(QPlainTextEdit(), "incidentNoteEdit", "What happened")
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText("What happened, what you did")
        self.note.setFixedHeight(self.note.fontMetrics().lineSpacing() * 5)
        self.add_row("&Kind", self.category)
        self.add_row("&Note", self.note)
        self.finish_form()

    def fields(self) -> dict[str, Any]:
        return {
            "category": str(self.category.currentData()),
            "note": self.note.toPlainText().strip()[: MAX_NOTE_CHARS + 1],
        }

    def problem(self, fields: dict[str, Any]) -> str | None:
        return incident_problem(fields["category"], fields["note"])


class PauseDialog(RoomActionDialog):
    def __init__(self, who: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "pauseDialog",
            "Pause the exam",
            f"Pause {who}'s exam. Their time stops and their screen says so until you resume it.",
            "Pause",
            parent,
        )
        self.reason = named(QLineEdit(), "pauseReasonEdit", "Reason")
        self.reason.setMaxLength(MAX_REASON_CHARS)
        self.reason.setPlaceholderText("e.g. toilet break (optional)")
        self.add_row("&Reason", self.reason)
        self.finish_form()

    def fields(self) -> dict[str, Any]:
        return {"reason": self.reason.text().strip() or "paused by the proctor"}


class ResumeDialog(RoomActionDialog):
    def __init__(self, who: str, parent: QWidget | None = None) -> None:
        super().__init__(
            "resumeDialog",
            "Resume the exam",
            f"Resume {who}'s exam at the question they were on. The paused time is not counted.",
            "Resume",
            parent,
        )
        self.finish_form()
