"""Time per question of one attempt as a bar chart (PySide6.QtCharts), in seconds per
question position, with the totals in its accessible description."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from medxam_desktop.domain.attempt_review import AttemptAnswer
from medxam_desktop.ui.admin.attempt_models import seconds_text

BAR_COLOUR = QColor("#5b7db1")
MAX_LABELS = 40


class TimeChart(QChartView):
    """``show_times`` draws it; ``bar_set`` and ``categories`` are for tests."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeChart")
        self.setAccessibleName("Time per question")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(200)
        self.bar_set: QBarSet | None = None
        self.categories: list[str] = []
        self.clear()

    def clear(self) -> None:
        chart = QChart()
        chart.setTitle("No attempt open")
        chart.legend().hide()
        self._replace(chart)
        self.bar_set = None
        self.categories = []
        self.setAccessibleDescription("No attempt open")

    def seconds(self) -> list[float]:
        if self.bar_set is None:
            return []
        return [self.bar_set.at(i) for i in range(self.bar_set.count())]

    def show_times(self, answers: Sequence[AttemptAnswer]) -> None:
        total_ms = sum(a.time_spent_ms for a in answers)
        chart = QChart()
        chart.setTitle(f"Time per question (total {seconds_text(total_ms)})")
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().hide()
        bars = QBarSet("Seconds")
        bars.setColor(BAR_COLOUR)
        bars.append([a.time_spent_ms / 1000 for a in answers])
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        self.categories = [str(a.position) for a in answers]
        x_axis = QBarCategoryAxis()
        x_axis.append(self.categories)
        x_axis.setTitleText("Question")
        if len(answers) > MAX_LABELS:  # 200 numbers would overprint: say the range instead
            x_axis.setLabelsVisible(False)
            x_axis.setTitleText(f"Questions {answers[0].position}–{answers[-1].position}")
        y_axis = QValueAxis()
        longest = max((a.time_spent_ms for a in answers), default=0) / 1000
        y_axis.setRange(0, max(1.0, longest * 1.1))
        y_axis.applyNiceNumbers()
        y_axis.setLabelFormat("%d")
        y_axis.setTitleText("Seconds")
        chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
        self.bar_set = bars
        self._replace(chart)
        words = self.describe(answers)
        self.setAccessibleDescription(words)
        self.setToolTip(words)

    @staticmethod
    def describe(answers: Sequence[AttemptAnswer]) -> str:
        if not answers:
            return "No time recorded for any question."
        total = sum(a.time_spent_ms for a in answers)
        longest = max(answers, key=lambda a: a.time_spent_ms)
        mean = total // len(answers)
        per = "; ".join(f"Q{a.position} {seconds_text(a.time_spent_ms)}" for a in answers)
        return (
            f"{len(answers)} questions, total {seconds_text(total)}, mean "
            f"{seconds_text(mean)} per question, longest question {longest.position} "
            f"({seconds_text(longest.time_spent_ms)}). {per}"
        )

    def _replace(self, chart: QChart) -> None:
        old = self.chart()
        self.setChart(chart)
        if old is not None:
            old.deleteLater()
