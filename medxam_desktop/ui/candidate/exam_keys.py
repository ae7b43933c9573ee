"""The exam window's keys, in one table: keyboard-only use from start to submit."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from medxam_desktop.ui.widgets.page_shortcuts import PageShortcuts

if TYPE_CHECKING:
    from medxam_desktop.ui.candidate.exam_window import ExamWindow


def bind_exam_keys(window: ExamWindow) -> PageShortcuts:
    """A–E choose, Left/Right and PageUp/PageDown move, Up/Down move between options, S
    strikes the focused option, F flags, Delete clears, Alt+R reviews; on the review page
    Alt+S submits and Esc goes back; anywhere Ctrl+=/Ctrl+-/Ctrl+0 zoom, Ctrl+Shift+H
    switches high contrast and Ctrl+Shift+P pauses or resumes (the proctor's PIN)."""
    keys = PageShortcuts(window, window.pages)
    session, options = window.session, window.options
    on_question: list[tuple[str, Callable[[], None]]] = [
        ("Right", window.go_next),
        ("PgDown", window.go_next),
        ("Left", window.go_previous),
        ("PgUp", window.go_previous),
        ("Down", partial(options.move_focus, +1)),
        ("Up", partial(options.move_focus, -1)),
        ("F", session.toggle_flag),
        ("S", window.strike_focused),
        ("Delete", session.clear),
        ("Backspace", session.clear),
        ("Alt+R", window.show_review),
    ]
    on_question += [(letter, partial(window.choose_by_key, i)) for i, letter in enumerate("ABCDE")]
    for key, action in on_question:
        keys.add(key, action, only_on=window.exam_page)
    for key, action in (("Alt+S", window.ask_to_submit), ("Esc", window.show_questions)):
        keys.add(key, action, only_on=window.review_page)
    everywhere: list[tuple[str, Callable[[], None]]] = [
        ("Ctrl+=", partial(window.zoom, +1)),
        ("Ctrl++", partial(window.zoom, +1)),
        ("Ctrl+-", partial(window.zoom, -1)),
        ("Ctrl+0", partial(window.zoom, 0)),
        ("Ctrl+Shift+H", window.header.contrast.toggle),
        ("Ctrl+Shift+P", window.follow.ask_to_pause_or_resume),
    ]
    for key, action in everywhere:
        keys.add(key, action, only_on=None)
    return keys
