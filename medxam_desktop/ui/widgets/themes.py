"""The candidate screen's Qt style sheets: a normal and a high-contrast theme.

The sheets live in ``resources/themes/<name>.qss``. They set colours and borders only,
never font sizes, so that zooming (which changes the window's font) keeps working.
"""

from __future__ import annotations

import logging
from functools import cache

from medxam_desktop.config import resources_dir

log = logging.getLogger(__name__)

NORMAL = "normal"
HIGH_CONTRAST = "high_contrast"
THEMES = (NORMAL, HIGH_CONTRAST)


@cache
def load_style_sheet(theme: str) -> str:
    """The style sheet text of ``theme``; an empty sheet (Qt's default look) if it is missing."""
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}")
    path = resources_dir() / "themes" / f"{theme}.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        log.warning("style sheet %s is missing; using Qt's default look", path)
        return ""
