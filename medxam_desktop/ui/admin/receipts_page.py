"""Receipt verification (Ctrl+5): type a candidate's receipt code, press Enter, see what
the server holds for it (``GET /api/receipts/{code}``).

Input is forgiving: case, spaces and a missing or misplaced dash do not matter
(``normalise_code``), and a code of the wrong length is refused in words before any
request. "No attempt has this receipt code" for one the server never issued. "Open
attempt" (Alt+O, or Enter on the button) opens the attempt's drill-down.
"""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.attempt_review import ReceiptCheck
from medxam_desktop.domain.results_text import DASH, format_time, integrity_words
from medxam_desktop.errors import OfflineError, ServerRejectedError, user_message
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, page_shortcut
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

CODE_LENGTH = 8
INTRO = (
    "Type the code from the candidate's receipt and press Enter to see what the server "
    "holds for it."
)
NOT_ISSUED = "No attempt has this receipt code"
# What ResultsApi.receipt says for a 404 (sync/results_api.py).
SERVER_NOT_ISSUED = "never issued that receipt code"
FIELDS = (
    ("code", "Receipt code"),
    ("candidate", "Candidate"),
    ("delivery", "Delivery"),
    ("attempt", "Attempt"),
    ("records", "Records"),
    ("digest", "Digest"),
    ("finished", "Finished at"),
    ("integrity", "Integrity"),
)


def normalise_code(typed: str) -> str:
    """``" k7f3 9qx2"`` / ``"K7F39QX2"`` / ``"k7f3-9qx2"`` -> ``"K7F3-9QX2"``; a code of
    another length comes back upper-cased without separators (the caller refuses it)."""
    plain = re.sub(r"[\s\-–—_.]+", "", typed).upper()
    if len(plain) == CODE_LENGTH:
        return f"{plain[:4]}-{plain[4:]}"
    return plain


def receipt_texts(check: ReceiptCheck) -> dict[str, str]:
    return {
        "code": check.code,
        "candidate": f"{check.full_name} ({check.candidate_number})",
        "delivery": check.delivery_title,
        "attempt": check.attempt_id,
        "records": DASH if check.record_count is None else str(check.record_count),
        "digest": check.digest or DASH,
        "finished": format_time(check.finished_at),
        "integrity": integrity_words(check.integrity),
    }


class ReceiptsPage(QWidget):
    attempt_chosen = Signal(str)  # attempt_id
    checked = Signal(object)  # ReceiptCheck, or None when the server never issued the code

    def __init__(self, context: AdminContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "receiptsPage", "Receipts")
        self.context = context
        self.check: ReceiptCheck | None = None
        self.busy = False
        self.code_edit = named(QLineEdit(), "receiptCodeEdit", "Receipt code")
        self.code_edit.setPlaceholderText("e.g. K7F3-9QX2 (case, spaces and dash do not matter)")
        self.code_edit.setMaxLength(40)
        self.code_edit.setMaximumWidth(self.fontMetrics().horizontalAdvance("M" * 34))
        self.code_edit.returnPressed.connect(self.verify)
        self.verify_button = named(QPushButton("&Verify"), "verifyReceiptButton", "Verify")
        self.verify_button.clicked.connect(self.verify)
        self.message_label = named(QLabel(""), "receiptMessage", "Verification result")
        self.message_label.setWordWrap(True)
        self.values: dict[str, QLabel] = {}
        self.open_button = named(
            QPushButton("&Open attempt  Ctrl+O"), "openReceiptAttempt", "Open this attempt"
        )
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self._open)
        self._lay_out()
        page_shortcut(self, "Ctrl+O", self._open)
        self.setFocusProxy(self.code_edit)

    def _lay_out(self) -> None:
        entry = QHBoxLayout()
        label = QLabel("Receipt &code:")
        label.setBuddy(self.code_edit)
        entry.addWidget(label)
        entry.addWidget(self.code_edit, 1)
        entry.addWidget(self.verify_button)
        entry.addStretch(1)
        form = QFormLayout()
        for key, words in FIELDS:
            value = named(QLabel(DASH), f"receipt_{key}", words)
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse
                | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            value.setWordWrap(True)
            self.values[key] = value
            form.addRow(f"{words}:", value)
        layout = QVBoxLayout(self)
        title = named(QLabel("<h2>Receipt verification</h2>"), "receiptsTitle", "Receipts")
        layout.addWidget(title)
        layout.addWidget(QLabel(INTRO))
        layout.addLayout(entry)
        layout.addWidget(self.message_label)
        layout.addLayout(form)
        layout.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)

    def verify(self) -> None:
        code = normalise_code(self.code_edit.text())
        if not code:
            self._say("Type a receipt code first.", problem=True)
            return
        if len(code) != CODE_LENGTH + 1:
            self._say(
                f"A receipt code has {CODE_LENGTH} letters and digits, like K7F3-9QX2; "
                f"“{code}” has {len(code.replace('-', ''))}.",
                problem=True,
            )
            return
        if self.busy:
            return
        self.busy = True
        self.code_edit.setText(code)
        self._say(f"Checking {code}…", problem=False)
        api = self.context.api
        self.context.calls.call(
            lambda: api.receipt(code),
            on_done=self._verified,
            on_error=lambda error: self._failed(code, error),
            owner=self,
        )

    def _verified(self, check: ReceiptCheck) -> None:
        self.busy = False
        self.check = check
        for key, text in receipt_texts(check).items():
            self.values[key].setText(text)
        self.open_button.setEnabled(True)
        self._say(
            f"The server holds this receipt: {check.full_name}'s attempt at "
            f"{check.delivery_title}.",
            problem=False,
        )
        self.checked.emit(check)

    def _failed(self, code: str, error: Exception) -> None:
        self.busy = False
        self.check = None
        for value in self.values.values():
            value.setText(DASH)
        self.open_button.setEnabled(False)
        if isinstance(error, ServerRejectedError) and SERVER_NOT_ISSUED in str(error):
            self._say(f"{NOT_ISSUED} ({code}).", problem=True)
            self.checked.emit(None)
        elif isinstance(error, OfflineError):
            self._say("The server cannot be reached; the code cannot be checked now.", True)
        else:
            log.info("receipt not checked: %s", type(error).__name__)
            self._say(user_message(error).replace("\n\n", " "), problem=True)

    def _open(self) -> None:
        if self.check is not None:
            self.attempt_chosen.emit(self.check.attempt_id)

    def _say(self, text: str, problem: bool) -> None:
        self.message_label.setText(text)
        self.message_label.setStyleSheet(MESSAGE_STYLE if problem else "")
        self.message_label.setAccessibleDescription(text)
