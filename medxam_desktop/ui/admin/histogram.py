"""The score histogram of a delivery, with the pass mark drawn (PySide6.QtCharts).

The server's bins (``summary.histogram``) are stacked in two colours, attempts that
passed and attempts that did not (counted from the attempts table, so the bin that holds
the pass mark is split truly); the pass mark is a vertical line at its place inside its
bin. QtCharts is imported with this module, which only the admin console imports, and
that only once an admin signs in (benchmark B3).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QLineSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QWidget

from medxam_desktop.domain.results import AttemptRow, HistogramBin, ScoreSummary
from medxam_desktop.domain.results_text import format_points

PASS_COLOUR = QColor("#2e7d4f")
FAIL_COLOUR = QColor("#b3412f")
MARK_COLOUR = QColor("#1f2a44")


def split_bins(
    bins: Sequence[HistogramBin], attempts: Sequence[AttemptRow]
) -> list[tuple[int, int]]:
    """(did not pass, passed) per bin. Passed attempts are placed by their total; the
    rest of each bin's server count did not pass (so bars always add up to the server's
    counts)."""
    passed = [0] * len(bins)
    for attempt in attempts:
        if attempt.status != "finished" or not attempt.passed or attempt.total is None:
            continue
        index = _bin_of(bins, attempt.total)
        if index is not None:
            passed[index] += 1
    return [(max(0, b.count - p), min(p, b.count)) for b, p in zip(bins, passed, strict=True)]


def _bin_of(bins: Sequence[HistogramBin], total: Decimal) -> int | None:
    for index, item in enumerate(bins):
        if item.low <= total < item.high:
            return index
    if bins and total == bins[-1].high:
        return len(bins) - 1
    return None


def pass_mark_x(summary: ScoreSummary) -> float | None:
    """The pass mark on the category axis (category i spans i - 0.5 .. i + 0.5)."""
    index = summary.pass_bin()
    if index is None:
        return None
    item = summary.histogram[index]
    width = item.high - item.low
    fraction = (summary.pass_score - item.low) / width if width else Decimal(0)
    return float(index - Decimal("0.5") + fraction)


def count_axis(highest: int) -> tuple[int, int]:
    """(top, tick step) of a count axis: whole numbers only, about five ticks, room
    above the highest bar."""
    step = 1
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        step = nice
        if highest / nice <= 5:
            break
    else:
        step = -(-highest // 5)
    return step * (highest // step + 1), step


def bin_label(item: HistogramBin) -> str:
    return f"{_short(item.low)}–{_short(item.high)}"


def _short(value: Decimal) -> str:
    return format_points(value.quantize(Decimal("0.1")) if value % 1 else value)


class ScoreHistogram(QChartView):
    """``show_histogram`` (re)draws it; ``pass_line`` and ``bar_sets`` are for tests."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreHistogram")
        self.setAccessibleName("Score histogram")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(220)
        self.pass_line: QLineSeries | None = None
        self.bar_sets: tuple[QBarSet, QBarSet] | None = None
        self.categories: list[str] = []
        self.setChart(self._empty_chart("No results yet"))

    @staticmethod
    def _empty_chart(title: str) -> QChart:
        chart = QChart()
        chart.setTitle(title)
        chart.legend().hide()
        return chart

    def show_histogram(self, summary: ScoreSummary, split: Sequence[tuple[int, int]]) -> None:
        """``split``: ``split_bins(summary.histogram, attempts)``, made off the UI thread."""
        bins = summary.histogram
        chart = QChart()
        chart.setTitle(f"Totals of {summary.n} finished attempts")
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        below, above = QBarSet("Did not pass"), QBarSet("Passed")
        below.setColor(FAIL_COLOUR)
        above.setColor(PASS_COLOUR)
        below.append([float(f) for f, _ in split])
        above.append([float(p) for _, p in split])
        bars = QStackedBarSeries()
        bars.append(below)
        bars.append(above)
        chart.addSeries(bars)
        self.categories = [bin_label(b) for b in bins]
        x_axis = QBarCategoryAxis()
        x_axis.append(self.categories)
        x_axis.setTitleText("Total (points)")
        small = x_axis.labelsFont()
        small.setPointSizeF(max(6.0, small.pointSizeF() - 1.5))
        x_axis.setLabelsFont(small)
        y_axis = QValueAxis()
        top, step = count_axis(max((b.count for b in bins), default=0))
        y_axis.setRange(0, top)
        y_axis.setTickType(QValueAxis.TickType.TicksDynamic)
        y_axis.setTickAnchor(0)
        y_axis.setTickInterval(step)
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText("Attempts")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        bars.attachAxis(x_axis)
        bars.attachAxis(y_axis)
        self.pass_line = None
        mark = pass_mark_x(summary)
        if mark is not None:
            line = QLineSeries()
            line.setName(f"Pass mark {format_points(summary.pass_score)}")
            line.append([QPointF(mark, 0), QPointF(mark, top)])
            pen = QPen(MARK_COLOUR)
            pen.setWidth(3)
            pen.setStyle(Qt.PenStyle.DashLine)
            line.setPen(pen)
            chart.addSeries(line)
            line.attachAxis(x_axis)
            line.attachAxis(y_axis)
            self.pass_line = line
        chart.legend().setVisible(True)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.bar_sets = (below, above)
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()
        self.setAccessibleDescription(self.describe(summary, split))
        self.setToolTip(self.accessibleDescription())

    def describe(self, summary: ScoreSummary, split: Sequence[tuple[int, int]]) -> str:
        """The chart in words, for screen readers."""
        parts = [
            f"{label}: {fail + ok} ({ok} passed)"
            for label, (fail, ok) in zip(self.categories, split, strict=True)
        ]
        return (
            f"Score histogram of {summary.n} finished attempts; pass mark "
            f"{format_points(summary.pass_score)} of {format_points(summary.max_score)}. "
            + "; ".join(parts)
        )
