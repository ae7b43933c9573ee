"""The results summary as a readable panel: counts, the score statistics, pass rate and
reliability, each a label with an accessible name (``summary_<key>`` object names)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QWidget

from medxam_desktop.domain.results import ScoreSummary
from medxam_desktop.domain.results_text import DASH, format_rate, format_ratio, format_stat
from medxam_desktop.ui.widgets.naming import named

# key, label, what a screen reader says it is
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("n", "Finished attempts", "Finished attempts (N)"),
    ("in_progress", "In progress", "Attempts still in progress"),
    ("terminated", "Terminated", "Attempts terminated by a proctor"),
    ("mean", "Mean", "Mean total score"),
    ("sd", "SD", "Standard deviation of the total scores"),
    ("median", "Median", "Median total score"),
    ("range", "Min – max", "Lowest and highest total score"),
    ("pass", "Pass mark", "Pass mark"),
    ("pass_rate", "Passed", "Attempts that passed, and the pass rate"),
    ("kr20", "KR-20 (95 % CI)", "KR-20 reliability with its 95 percent confidence interval"),
    ("kr21", "KR-21", "KR-21 reliability"),
    ("sem", "SEM", "Standard error of measurement, in points"),
)


def summary_texts(summary: ScoreSummary) -> dict[str, str]:
    """Each field's text, exactly what the panel shows."""
    s = summary
    ci = (
        f" ({format_ratio(s.kr20_ci95[0])} to {format_ratio(s.kr20_ci95[1])})"
        if s.kr20_ci95 is not None
        else ""
    )
    return {
        "n": str(s.n),
        "in_progress": str(s.in_progress),
        "terminated": str(s.terminated),
        "mean": format_stat(s.mean),
        "sd": format_stat(s.sd),
        "median": format_stat(s.median),
        "range": DASH if s.min is None else f"{format_stat(s.min)} – {format_stat(s.max)}",
        "pass": f"{format_stat(s.pass_score)} of {format_stat(s.max_score)} points",
        "pass_rate": f"{s.pass_count} of {s.n} ({format_rate(s.pass_rate)})",
        "kr20": format_ratio(s.kr20) + ci,
        "kr21": format_ratio(s.kr21),
        "sem": format_stat(s.sem),
    }


class SummaryPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "resultsSummary", "Results summary")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.values: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, text, spoken in FIELDS:
            value = named(QLabel(DASH), f"summary_{key}", spoken)
            value.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByKeyboard
                | Qt.TextInteractionFlag.TextSelectableByMouse
            )
            value.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            caption = named(QLabel(f"{text}:"), f"summaryCaption_{key}", text)
            caption.setBuddy(value)
            form.addRow(caption, value)
            self.values[key] = value

    def show_summary(self, summary: ScoreSummary) -> None:
        texts = summary_texts(summary)
        for key, label in self.values.items():
            label.setText(texts[key])
            label.setAccessibleDescription(texts[key])
        self.setAccessibleDescription(
            f"{summary.n} finished attempts, mean {texts['mean']}, pass rate "
            f"{format_rate(summary.pass_rate)}, KR-20 {texts['kr20']}"
        )

    def text(self, key: str) -> str:
        return self.values[key].text()
