"""The last proctor step: check the candidate, type the start code, unlock.

The code is checked for shape as it is typed (8 characters of the start-code alphabet);
a code that does not open the package says so, keeps the page, and selects the text so
the proctor can simply type it again. When nobody is signed in, the page also asks for a
proctor's PIN: every unlock is recorded with who did it (issue 14).
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from medxam_desktop.domain.package import PackageInfo, RosterEntry
from medxam_desktop.sync.package import START_CODE_LENGTH, normalise_start_code, start_code_problem
from medxam_desktop.ui.proctor.pin_dialog import pin_edit
from medxam_desktop.ui.proctor.widgets import MESSAGE_STYLE, named, page_shortcut

CODE_FIELD_WIDTH_PX = 420


class StartCodePage(QWidget):
    unlock_requested = Signal(str)  # the start code as typed
    back_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "startCodePage", "Start code")
        self.candidate_label = named(QLabel(""), "candidateLabel", "Candidate")
        self.exam_label = named(QLabel(""), "examLabel", "Exam")
        self.exam_label.setWordWrap(True)
        hint = named(
            QLabel(
                "Check the candidate's identity card, then type the start code from the "
                "delivery sheet. Dashes and spaces do not matter."
            ),
            "startCodeHint",
            "What to do",
        )
        hint.setWordWrap(True)
        self.code_edit = named(QLineEdit(), "startCodeEdit", "Start code")
        self.code_edit.setPlaceholderText("XXXX-XXXX")
        self.code_edit.setMaxLength(START_CODE_LENGTH + 4)
        code_font = QFont("monospace")
        code_font.setStyleHint(QFont.StyleHint.TypeWriter)
        code_font.setPointSize(code_font.pointSize() + 8)
        self.code_edit.setFont(code_font)
        self.code_edit.setMaximumWidth(CODE_FIELD_WIDTH_PX)
        self.code_edit.textEdited.connect(self._edited)
        self.code_edit.returnPressed.connect(self.submit)
        self.pin_label = named(
            QLabel(
                "Nobody is signed in: type &your proctor PIN (the unlock is recorded as yours)."
            ),
            "unlockPinLabel",
            "Your proctor PIN",
        )
        self.pin_label.setWordWrap(True)
        self.pin_edit = pin_edit("unlockPinEdit", "Your proctor PIN")
        self.pin_edit.setMaximumWidth(CODE_FIELD_WIDTH_PX // 2)
        self.pin_label.setBuddy(self.pin_edit)
        self.pin_edit.returnPressed.connect(self.submit)
        self.asks_pin = False
        self.message_label = named(QLabel(""), "startCodeMessageLabel", "Start code message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet(MESSAGE_STYLE)
        self.back_button = named(
            QPushButton("← &Candidates"), "startCodeBackButton", "Back to candidates"
        )
        self.unlock_button = named(QPushButton("&Unlock exam"), "unlockButton", "Unlock exam")
        self.unlock_button.setDefault(True)
        self.back_button.clicked.connect(self.back_requested)
        self.unlock_button.clicked.connect(self.submit)
        page_shortcut(self, "Esc", self._back)

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.candidate_label)
        layout.addWidget(self.exam_label)
        layout.addWidget(hint)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.pin_label)
        layout.addWidget(self.pin_edit)
        layout.addWidget(self.message_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self._busy = False

    def show_candidate(
        self, info: PackageInfo, entry: RosterEntry, *, ask_pin: bool = False
    ) -> None:
        """``ask_pin`` when nobody is signed in: the PIN says who unlocked."""
        self.asks_pin = ask_pin
        self.pin_label.setVisible(ask_pin)
        self.pin_edit.setVisible(ask_pin)
        self.pin_edit.clear()
        self.candidate_label.setText(
            f"<h2>{escape(entry.candidate_number)} · {escape(entry.full_name)}</h2>"
        )
        self.exam_label.setText(
            f"{escape(info.exam_title)} · {info.duration_minutes} minutes · "
            f"{info.question_count} questions<br>{escape(info.delivery_title)}"
        )
        self.code_edit.clear()
        self.message_label.clear()
        self.set_busy(False)
        self.code_edit.setFocus()

    def set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.code_edit.setReadOnly(busy)
        self.back_button.setEnabled(not busy)
        self._update_button()
        if text:
            self.message_label.setText(text)

    def show_refused(self, text: str) -> None:
        """The code did not open the exam: say why, stay, ready to type again."""
        self.set_busy(False)
        self.message_label.setText(text)
        self.pin_edit.clear()
        self.code_edit.selectAll()
        self.code_edit.setFocus()

    def pin(self) -> str:
        """The PIN typed, when the page asks for one ("" otherwise)."""
        return self.pin_edit.text() if self.asks_pin else ""

    def submit(self) -> None:
        if self._busy:
            return
        problem = start_code_problem(self.code_edit.text())
        if problem:
            self.message_label.setText(problem)
            self.code_edit.setFocus()
            return
        if self.asks_pin and not self.pin_edit.text():
            self.message_label.setText(
                "Type your proctor PIN too: nobody is signed in, and every unlock is "
                "recorded with who did it."
            )
            self.pin_edit.setFocus()
            return
        self.unlock_requested.emit(self.code_edit.text())

    def _edited(self, text: str) -> None:
        cursor = self.code_edit.cursorPosition()
        upper = text.upper()
        if upper != text:
            self.code_edit.setText(upper)
            self.code_edit.setCursorPosition(cursor)
        typed = normalise_start_code(upper)
        problem = start_code_problem(upper)
        # Say what is wrong as soon as it is certain: a bad character, or too many.
        if problem and (len(typed) >= START_CODE_LENGTH or "never contains" in problem):
            self.message_label.setText(problem)
        else:
            self.message_label.clear()
        self._update_button()

    def _update_button(self) -> None:
        ready = start_code_problem(self.code_edit.text()) is None
        self.unlock_button.setEnabled(ready and not self._busy)

    def _back(self) -> None:
        if not self._busy:
            self.back_requested.emit()
