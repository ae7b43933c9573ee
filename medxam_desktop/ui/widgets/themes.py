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
ZOOM_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0, 2.5)
NORMAL_ZOOM = ZOOM_STEPS.index(1.0)
BASE_POINT_SIZE = 12.0


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


def zoom_step(current: int, step: int) -> int:
    """The zoom index after +1 (larger), -1 (smaller) or 0 (back to normal)."""
    if step == 0:
        return NORMAL_ZOOM
    return max(0, min(len(ZOOM_STEPS) - 1, current + step))


def zoomed_style_sheet(theme: str, base_point_size: float, zoom: int) -> str:
    """The theme plus the zoomed font size (a style sheet stops ``setFont`` reaching children)."""
    size = base_point_size * ZOOM_STEPS[zoom]
    return f"QWidget {{ font-size: {size:.1f}pt; }}\n{load_style_sheet(theme)}"
