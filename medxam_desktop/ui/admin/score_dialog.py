"""The score override dialog: a new score and/or penalty and a required reason, sent with
``PUT /api/attempts/{id}/score`` off the UI thread.

The current score and penalty are shown; the inputs take a plain decimal (``41.5``,
``41,5``, at most 6 decimals, not negative) and say in words what is wrong with one
that is not. OK stays disabled until there is a reason and at least one valid new value.
While the request runs the inputs are locked; when the server refuses (403, 404, 409,
422) the dialog stays open with the input kept and says why in one plain line; on
success it closes and ``score_changed`` carries the attempt as now scored.
"""

from __future__ import annotations

import logging
import re
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.attempt_review import ServerAttempt
from medxam_desktop.domain.results_text import format_points
from medxam_desktop.errors import ServerRejectedError, user_message
from medxam_desktop.ui.admin.context import AdminContext
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE
from medxam_desktop.ui.widgets.naming import named

log = logging.getLogger(__name__)

DECIMAL = re.compile(r"^\d{1,9}([.,]\d{1,6})?$")
REASON_MAX = 2000
# What ApiClient says for a 403 (sync/api_client.py).
FORBIDDEN = "may not do this"
BAD_NUMBER = "write a number such as 41.5 (not negative, at most 6 decimals)"


def parse_points(text: str) -> Decimal | None:
    """``" 41,5 "`` -> ``Decimal("41.5")``; ``""`` -> None; anything else: ``ValueError``."""
    plain = text.strip().replace(" ", "")
    if not plain:
        return None
    if not DECIMAL.match(plain):
        raise ValueError(BAD_NUMBER)
    return Decimal(plain.replace(",", "."))


class ScoreOverrideDialog(QDialog):
    score_changed = Signal(object)  # ServerAttempt as the server now scores it

    def __init__(
        self, context: AdminContext, attempt: ServerAttempt, who: str, parent: QWidget | None
    ) -> None:
        super().__init__(parent)
        named(self, "scoreOverrideDialog", "Change the score")
        self.setWindowTitle(f"Change the score — {who}")
        self.context = context
        self.attempt = attempt
        self.sending = False
        self.current_label = named(
            QLabel(
                f"Now: score {format_points(attempt.score)}, penalty "
                f"{format_points(attempt.penalty)}, total {format_points(attempt.total)} "
                f"of {format_points(attempt.max_score)}."
            ),
            "currentScoreLabel",
            "Current score",
        )
        self.score_edit = named(QLineEdit(), "newScoreEdit", "New score (points)")
        self.score_edit.setPlaceholderText(f"unchanged ({format_points(attempt.score)})")
        self.penalty_edit = named(QLineEdit(), "newPenaltyEdit", "New penalty (points)")
        self.penalty_edit.setPlaceholderText(f"unchanged ({format_points(attempt.penalty)})")
        self.reason_edit = named(QPlainTextEdit(), "reasonEdit", "Reason (required)")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setPlaceholderText("Why the score changes (kept in the attempt's history)")
        self.reason_edit.setFixedHeight(80)
        self.error_label = named(QLabel(""), "scoreErrorLabel", "Problem")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet(MESSAGE_STYLE)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        named(self.ok_button, "scoreOkButton", "Change the score")
        self.ok_button.setText("Change score")
        named(self.buttons.button(QDialogButtonBox.StandardButton.Cancel), "scoreCancel", "Cancel")
        self.buttons.accepted.connect(self.send)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("New &score:", self.score_edit)
        form.addRow("New &penalty:", self.penalty_edit)
        form.addRow("&Reason:", self.reason_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(self.current_label)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        for edit in (self.score_edit, self.penalty_edit):
            edit.textChanged.connect(self._check)
        self.reason_edit.textChanged.connect(self._check)
        self._check()

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def values(self) -> tuple[Decimal | None, Decimal | None]:
        """The new score and penalty (None: unchanged); ``ValueError`` with words."""
        out: list[Decimal | None] = []
        for what, edit in (("Score", self.score_edit), ("Penalty", self.penalty_edit)):
            try:
                out.append(parse_points(edit.text()))
            except ValueError as exc:
                raise ValueError(f"{what}: {exc}") from exc
        return out[0], out[1]

    def problem(self) -> str:
        """Why OK is disabled, in words ("" when it is not)."""
        try:
            score, penalty = self.values()
        except ValueError as exc:
            return str(exc)
        if score is None and penalty is None:
            return "Enter a new score, a new penalty, or both."
        if not self.reason():
            return "A reason is required."
        if len(self.reason()) > REASON_MAX:
            return f"The reason is too long (at most {REASON_MAX} characters)."
        return ""

    def _check(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(not problem and not self.sending)
        typed = self.score_edit.text().strip() or self.penalty_edit.text().strip()
        # An empty form is not an error yet; a bad number or a missing reason once typed is.
        self.error_label.setText(problem if typed or self.reason() else "")

    def send(self) -> None:
        if self.problem() or self.sending:
            return
        score, penalty = self.values()
        reason = self.reason()
        self._lock(True)
        self.error_label.setText("Saving…")
        self.error_label.setStyleSheet("")
        api, attempt_id = self.context.api, self.attempt.id
        self.context.calls.call(
            lambda: api.override_score(attempt_id, score=score, penalty=penalty, reason=reason),
            on_done=self._saved,
            on_error=self._refused,
            owner=self,
        )

    def _lock(self, sending: bool) -> None:
        self.sending = sending
        for widget in (self.score_edit, self.penalty_edit, self.reason_edit):
            widget.setReadOnly(sending)
        self.ok_button.setEnabled(not sending and not self.problem())

    def _saved(self, attempt: ServerAttempt) -> None:
        self._lock(False)
        log.info("score of attempt %s changed by the admin", attempt.id)
        self.score_changed.emit(attempt)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self._lock(False)
        self.error_label.setStyleSheet(MESSAGE_STYLE)
        words = user_message(error).replace("\n\n", " ")
        if isinstance(error, ServerRejectedError) and FORBIDDEN in str(error):  # 403
            words = "Only an admin may change a score, and this sign-in is not an admin's."
        self.error_label.setText(f"The score was not changed. {words}")
        self.error_label.setAccessibleDescription(self.error_label.text())
