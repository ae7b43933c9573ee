"""Per-option answer counts of one item as bar charts (PySide6.QtCharts).

``DistractorChart``: one bar per option, its height the option's ``count`` (finished
attempts whose answer includes it). The key is marked twice, never by colour alone: its
bar is green where the distractors are grey-blue (a stacked series of a "Key" and a
"Distractor" set, each bar holding one of them), and its category label reads
"B (key)".

``GroupChart``: the same options, the share of the upper and of the lower 27 % group
that chose each (in %), side by side: a distractor the upper group picks more than the
lower one is what "possible miskey" is about.

Both say what they show in their accessible description (and tooltip).
"""

from __future__ import annotations

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from medxam_desktop.domain.results import ItemStat, OptionStat
from medxam_desktop.domain.results_text import format_rate

KEY_COLOUR = QColor("#2e7d4f")
DISTRACTOR_COLOUR = QColor("#5b7db1")
UPPER_COLOUR = QColor("#1f5f99")
LOWER_COLOUR = QColor("#d08a2b")


def option_label(option: OptionStat) -> str:
    return f"{option.label} (key)" if option.is_key else option.label


def _empty(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    chart.legend().hide()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


def _axes(chart: QChart, series: QBarSeries | QStackedBarSeries, labels: list[str]) -> QValueAxis:
    x_axis = QBarCategoryAxis()
    x_axis.append(labels)
    x_axis.setTitleText("Option")
    y_axis = QValueAxis()
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(x_axis)
    series.attachAxis(y_axis)
    return y_axis


class _ChartView(QChartView):
    def __init__(self, object_name: str, accessible_name: str, empty: str) -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.setAccessibleName(accessible_name)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(200)
        self.categories: list[str] = []
        self._empty_title = empty
        self.clear()

    def clear(self) -> None:
        self.categories = []
        self._replace(_empty(self._empty_title))
        self.setAccessibleDescription(self._empty_title)
        self.setToolTip("")

    def _replace(self, chart: QChart) -> None:
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()

    def _describe(self, text: str) -> None:
        self.setAccessibleDescription(text)
        self.setToolTip(text)


class DistractorChart(_ChartView):
    """``show_item`` draws the counts; ``key_set``/``distractor_set`` are for tests."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.key_set: QBarSet | None = None
        self.distractor_set: QBarSet | None = None
        super().__init__("distractorChart", "Answers per option", "Choose an item in the table")
        if parent is not None:
            self.setParent(parent)

    def clear(self) -> None:
        self.key_set = self.distractor_set = None
        super().clear()

    def counts(self) -> list[int]:
        """The bar heights, option by option (what the chart shows)."""
        if self.key_set is None or self.distractor_set is None:
            return []
        return [
            int(self.key_set.at(i) + self.distractor_set.at(i)) for i in range(self.key_set.count())
        ]

    def show_item(self, item: ItemStat, finished: int) -> None:
        chart = _empty(f"Question {item.position}: answers per option ({finished} finished)")
        key, other = QBarSet("Key"), QBarSet("Distractor")
        key.setColor(KEY_COLOUR)
        other.setColor(DISTRACTOR_COLOUR)
        key.append([float(o.count) if o.is_key else 0.0 for o in item.options])
        other.append([0.0 if o.is_key else float(o.count) for o in item.options])
        series = QStackedBarSeries()
        series.append(key)
        series.append(other)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QStackedBarSeries.LabelsPosition.LabelsInsideEnd)
        chart.addSeries(series)
        self.categories = [option_label(o) for o in item.options]
        y_axis = _axes(chart, series, self.categories)
        y_axis.setRange(0, max([1, *(o.count for o in item.options)]) * 1.15)
        y_axis.applyNiceNumbers()
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText("Attempts")
        chart.legend().setVisible(True)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.key_set, self.distractor_set = key, other
        self._replace(chart)
        parts = [
            f"{option_label(o)}: {o.count} ({format_rate(o.proportion)})" for o in item.options
        ]
        self._describe(f"Answers per option of question {item.position}: " + "; ".join(parts))


class GroupChart(_ChartView):
    """Upper vs lower 27 % group: the share of each that chose each option."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.upper_set: QBarSet | None = None
        self.lower_set: QBarSet | None = None
        super().__init__("groupChart", "Upper and lower group per option", "")
        if parent is not None:
            self.setParent(parent)

    def clear(self) -> None:
        self.upper_set = self.lower_set = None
        super().clear()

    def show_item(self, item: ItemStat) -> None:
        chart = _empty(f"Question {item.position}: upper vs lower 27 % (share choosing)")
        upper, lower = QBarSet("Upper 27 %"), QBarSet("Lower 27 %")
        upper.setColor(UPPER_COLOUR)
        lower.setColor(LOWER_COLOUR)
        upper.append([100 * (o.upper_proportion or 0.0) for o in item.options])
        lower.append([100 * (o.lower_proportion or 0.0) for o in item.options])
        series = QBarSeries()
        series.append(upper)
        series.append(lower)
        chart.addSeries(series)
        self.categories = [option_label(o) for o in item.options]
        y_axis = _axes(chart, series, self.categories)
        y_axis.setRange(0, 100)
        y_axis.setLabelFormat("%d %%")
        y_axis.setTitleText("Share of group")
        chart.legend().setVisible(True)
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        self.upper_set, self.lower_set = upper, lower
        self._replace(chart)
        parts = [
            f"{option_label(o)}: upper {format_rate(o.upper_proportion)}, "
            f"lower {format_rate(o.lower_proportion)}"
            for o in item.options
        ]
        self._describe(f"Upper and lower 27 % of question {item.position}: " + "; ".join(parts))
