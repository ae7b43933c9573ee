"""The answer options: checkable buttons that can also be struck through.

Striking an option (right-click, or S on the focused option) is a visual aid only: it
never changes the answer. The buttons are made once (as many as the longest question
needs) and reused on every navigation, which keeps moving between questions cheap.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from medxam_desktop.domain.display_order import ShownQuestion

SINGLE_MARKS = ("○", "●")
MULTIPLE_MARKS = ("☐", "☑")
SINGLE_HINT = "Choose one answer."
MULTIPLE_HINT = "Choose all that apply: each option is a check box (A–E or Space toggles it)."


class OptionButton(QPushButton):
    """One option: its letter on screen ("A") and its text (wrapped); checked when chosen,
    struck when ruled out. ``label`` is the option's own label, which is what is chosen."""

    strike_requested = Signal(str)
    chosen_by_key = Signal(str)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"option{chr(ord('A') + index)}")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.label = ""
        self.struck = False
        self._shown = ("", "")
        self.several = False  # a multiple-response question: a check box, not a choice
        self._mark = QLabel(self)
        self._mark.setObjectName("optionMark")
        self._mark.setAccessibleName("Chosen or not")
        self._letter = QLabel(self)
        self._letter.setObjectName("optionLetter")
        self._text = QLabel(self)
        self._text.setObjectName("optionText")
        self._text.setWordWrap(True)
        self._text.setTextFormat(Qt.TextFormat.PlainText)
        for label in (self._mark, self._letter, self._text):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.toggled.connect(self._mark_labels)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self._mark)
        layout.addWidget(self._letter)
        layout.addWidget(self._text, 1)
        self._show_mark(False)

    def show_option(
        self, label: str, text: str, *, letter: str, chosen: bool, struck: bool,
        several: bool = False,
    ) -> None:  # fmt: skip
        self.label = label
        if several != self.several:
            self.several = several
            self.setAccessibleDescription("check box" if several else "")
            self._show_mark(self.isChecked())
        if (letter, text) != self._shown:
            self._shown = (letter, text)
            self._letter.setText(f"{letter}.")
            self._letter.setAccessibleName(f"Option {letter}")
            self._text.setText(text)
            self._text.setAccessibleName(text or f"Option {letter}")
            self.setAccessibleName(f"Option {letter}: {text}")
        self.setChecked(chosen)
        self.set_struck(struck)

    def set_struck(self, struck: bool) -> None:
        if struck == self.struck:
            return  # nothing to restyle: keeps moving between questions cheap
        self.struck = struck
        for part in (self._letter, self._text):
            font = part.font()
            font.setStrikeOut(struck)
            part.setFont(font)
            part.setEnabled(not struck)  # greyed by the theme
        self.setProperty("struck", struck)
        self.setAccessibleDescription("struck out" if struck else "")

    def _show_mark(self, chosen: bool) -> None:
        """☐/☑ for a multiple-response question (choose all that apply), ○/● for one answer."""
        marks = MULTIPLE_MARKS if self.several else SINGLE_MARKS
        self._mark.setText(marks[chosen])

    def _mark_labels(self, chosen: bool) -> None:
        """Style sheets cannot follow the button's state into its labels: copy it."""
        self._show_mark(chosen)
        for part in (self._letter, self._text):
            part.setProperty("chosen", chosen)
            part.style().unpolish(part)
            part.style().polish(part)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        """Space/Enter choose the focused option, like a click (also for multiple choice).

        An override rather than an event filter: a filter would call into Python for
        every event of every option, paints included."""
        if event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if not event.isAutoRepeat():
                self.chosen_by_key.emit(self.label)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt name)
        if event.key() == Qt.Key.Key_Space:
            event.accept()  # the press chose already: no second click on release
            return
        super().keyReleaseEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt name)
        self.strike_requested.emit(self.label)
        event.accept()


class OptionList(QWidget):
    """The options of the question on screen, in the attempt's order; emits which option
    (by its own label) was chosen or struck."""

    chosen = Signal(str)
    strike_toggled = Signal(str)

    def __init__(self, max_options: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("optionList")
        self.setAccessibleName("Answer options")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # Always there, only its words change: no re-layout when the kind of question does.
        self.hint = QLabel(SINGLE_HINT, self)
        self.hint.setObjectName("optionHint")
        self.hint.setAccessibleName("How to answer")
        layout.addWidget(self.hint)
        self.buttons: list[OptionButton] = []
        for index in range(max_options):
            button = OptionButton(index, self)
            button.clicked.connect(lambda _checked=False, b=button: self.chosen.emit(b.label))
            button.strike_requested.connect(self.strike_toggled)
            button.chosen_by_key.connect(self.chosen)
            layout.addWidget(button)
            self.buttons.append(button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def show_question(
        self, shown: ShownQuestion, *, answer: tuple[str, ...], struck: frozenset[str]
    ) -> None:
        count = len(shown.options)
        several = shown.question.allows_several
        hint = MULTIPLE_HINT if several else SINGLE_HINT
        if self.hint.text() != hint:
            self.hint.setText(hint)
        for button, option in zip(self.buttons, shown.options, strict=False):
            button.show_option(
                option.label,
                option.text,
                letter=option.letter,
                chosen=option.label in answer,
                struck=option.label in struck,
                several=several,
            )
        for index, button in enumerate(self.buttons):
            button.setVisible(index < count)

    def show_state(self, answer: tuple[str, ...], struck: frozenset[str]) -> None:
        """Refresh chosen/struck marks without touching the texts."""
        for button in self.buttons:
            if button.isVisible():
                button.setChecked(button.label in answer)
                if button.struck != (button.label in struck):
                    button.set_struck(button.label in struck)

    def focused_label(self) -> str | None:
        for button in self.buttons:
            if button.isVisible() and button.hasFocus():
                return button.label
        return None

    def move_focus(self, step: int) -> None:
        """Up/Down: move the keyboard focus to the previous/next visible option."""
        visible = [b for b in self.buttons if b.isVisible()]
        if not visible:
            return
        current = next((i for i, b in enumerate(visible) if b.hasFocus()), None)
        target = 0 if current is None else max(0, min(len(visible) - 1, current + step))
        visible[target].setFocus(Qt.FocusReason.TabFocusReason)
