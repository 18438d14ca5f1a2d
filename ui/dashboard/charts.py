"""The dashboard's charts, drawn with Qt Charts from a :class:`~bwvtool.report.weekly.WeeklyReport`.

Each function returns a new :class:`QChart`; the figures themselves come from the core, never from here.
"""

from __future__ import annotations

import math

from PySide6.QtCharts import (
    QAreaSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QHorizontalStackedBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPen

from bwvtool.debrief.model import humanise
from bwvtool.report.weekly import WeeklyReport

BLUE, LIGHT_BLUE, GREEN, GREY, AMBER = "#2557a7", "#9ab7e6", "#1e8449", "#b3b9c4", "#b9770e"
PALETTE = ("#2557a7", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#7f7f7f")
TOP_CODES = 6
TOP_BOROUGHS = 10
SHORT = {"op_hampshire": "Op Hamp.", "pava_baton": "PAVA/baton", "dcb": "DCB", "referrals": "Referrals",
         "stop_search": "S&S", "other": "Other"}  # fmt: skip


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setTitle(title)
    font = QFont(chart.titleFont())
    font.setPointSizeF(font.pointSizeF() + 1)
    font.setBold(True)
    chart.setTitleFont(font)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(4)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _categories(labels: list[str], point_size: float = 8.0) -> QBarCategoryAxis:
    """A category axis whose labels are never cut to "…" (the chart makes room for them instead)."""
    axis = QBarCategoryAxis()
    axis.append(labels)
    axis.setTruncateLabels(False)
    font = QFont(axis.labelsFont())
    font.setPointSizeF(point_size)
    axis.setLabelsFont(font)
    return axis


def _short_borough(name: str, most: int = 18) -> str:
    name = name.replace(" and ", " & ").replace(" upon ", " u. ")
    return name if len(name) <= most else name[: most - 1] + "…"


def _bar_set(label: str, values: list[float], colour: str) -> QBarSet:
    bar_set = QBarSet(label)
    bar_set.append(values)
    bar_set.setColor(QColor(colour))
    bar_set.setBorderColor(QColor(colour))
    return bar_set


def whole_number_scale(top: float, most: int = 6, cap: int | None = None) -> tuple[int, int]:
    """(end, step) of an axis from 0 that shows ``top`` with some room above it, ticked every ``step`` (1, 2 or 5
    times a power of ten) in at most ``most`` intervals, so every tick is a whole number and none repeats (Qt's
    nice numbers tick 0 to 1.5 in halves, which a whole-number label shows as 0, 0, 1, 1). ``cap``: the end never
    goes past it (100 for a percentage)."""
    wanted = max(top, 1) * 1.12
    magnitude = 1
    while True:
        for multiple in (1, 2, 5):
            step = multiple * magnitude
            intervals = math.ceil(wanted / step)
            if intervals <= most:
                end = intervals * step
                return (min(end, cap) if cap is not None and cap % step == 0 else end), step
        magnitude *= 10


def _value_axis(top: float, title: str = "", *, integer: bool = True) -> QValueAxis:
    """A count axis (``integer``) or a percentage one, ticked at whole numbers only."""
    end, step = whole_number_scale(top, cap=None if integer else 100)
    axis = QValueAxis()
    axis.setRange(0, end)
    axis.setTickCount(end // step + 1)
    axis.setMinorTickCount(0)
    axis.setLabelFormat("%d" if integer else "%d%%")
    axis.setTitleText(title)
    return axis


def programme_chart(report: WeeklyReport) -> QChart:
    """Incidents in the catalogue, sampled and reviewed this week, by programme."""
    chart = _chart(f"By programme, {report.week}")
    rows = report.programmes
    series = QBarSeries()
    series.append(_bar_set("In the catalogue", [p.in_catalogue for p in rows], GREY))
    series.append(_bar_set("Sampled", [p.sampled for p in rows], LIGHT_BLUE))
    series.append(_bar_set("Reviewed", [p.reviewed for p in rows], BLUE))
    chart.addSeries(series)
    categories = _categories([SHORT.get(p.id, p.label) for p in rows])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    values = _value_axis(max([p.in_catalogue for p in rows] + [1]), "incidents")
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
    return chart


def trend_chart(report: WeeklyReport) -> QChart:
    """Sampled and reviewed incidents over 12 weeks, against the target band."""
    chart = _chart("Reviewed incidents, last 12 weeks")
    series = QBarSeries()
    series.append(_bar_set("Sampled", [p.sampled for p in report.trend], LIGHT_BLUE))
    series.append(_bar_set("Reviewed", [p.reviewed for p in report.trend], BLUE))
    chart.addSeries(series)
    categories = _categories([p.week[-3:] for p in report.trend])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(categories)
    top = max([p.sampled for p in report.trend] + [report.target_high])
    values = _value_axis(top, "incidents")
    chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(values)
    for level, name in ((report.target_low, "Target 150–200"), (report.target_high, None)):
        line = QLineSeries()
        line.setName(name or "")
        line.append([QPointF(x - 0.5, level) for x in (0, len(report.trend))])
        line.setPen(QPen(QColor(GREEN), 2, Qt.PenStyle.DashLine))
        chart.addSeries(line)
        line.attachAxis(categories)
        line.attachAxis(values)
        if name is None:
            chart.legend().markers(line)[0].setVisible(False)
    return chart


def support_chart(report: WeeklyReport) -> QChart:
    """Share of reviews ending in a support offer, with its 95% Wilson interval, over 12 weeks."""
    chart = _chart("Support offered (share of reviews, 95% CI)")
    upper, lower, share = QLineSeries(), QLineSeries(), QLineSeries()
    share.setName("Support offered")
    for x, point in enumerate(report.trend):
        s = point.support
        if s.share is None:
            continue
        upper.append(x, s.high * 100)
        lower.append(x, s.low * 100)
        share.append(x, s.share * 100)
    band = QAreaSeries(upper, lower)
    for edge in (upper, lower):
        edge.setParent(
            band
        )  # the area series does not own its edges; without a parent Python would free them
    band.setName("95% interval")
    band.setColor(QColor(154, 183, 230, 110))
    band.setBorderColor(QColor(154, 183, 230, 0))
    share.setPen(QPen(QColor(BLUE), 2.5))
    share.setPointsVisible(True)
    typical = QLineSeries()
    typical.setName("About 10% is typical")
    typical.append([QPointF(0, 10), QPointF(max(len(report.trend) - 1, 1), 10)])
    typical.setPen(QPen(QColor(AMBER), 1.5, Qt.PenStyle.DashLine))
    for series in (band, typical, share):
        chart.addSeries(series)
    x_axis = _categories([p.week[-3:] for p in report.trend])
    x_axis.setRange(report.trend[0].week[-3:], report.trend[-1].week[-3:])
    top = max([p.support.high or 0 for p in report.trend] + [0.15]) * 100
    y_axis = _value_axis(top, "% of reviews", integer=False)
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    for series in (band, typical, share):
        series.attachAxis(x_axis)
        series.attachAxis(y_axis)
    return chart


def themes_chart(report: WeeklyReport) -> QChart:
    """Completed reviews this week naming each learning theme (the codebook's labels): coded answers, and by
    keywords the learning points of older reviews without them (a second colour, only when there are any)."""
    chart = _chart(f"Learning themes ({report.learning_reviews} reviews with learning)")
    themes = list(reversed(report.themes))  # the biggest at the top
    series = QHorizontalStackedBarSeries()
    series.append(_bar_set("Coded", [t.coded for t in themes], BLUE))
    if report.keyword_reviews:
        series.append(_bar_set("By keywords (older reviews)", [t.keywords for t in themes], LIGHT_BLUE))
    else:
        chart.legend().hide()
    series.setLabelsVisible(True)
    chart.addSeries(series)
    categories = _categories([t.label for t in themes])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    values = _value_axis(max([t.reviews for t in themes] + [1]), "reviews")
    chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(values)
    return chart


def borough_chart(report: WeeklyReport) -> QChart:
    """The most coded codes in the boroughs with the most coded clips (reviewed clips containing each code)."""
    chart = _chart("Codes by borough (reviewed clips containing each code)")
    codes = list(report.code_totals)[:TOP_CODES]
    boroughs = list(report.codes_by_borough)[:TOP_BOROUGHS][::-1]
    series = QHorizontalStackedBarSeries()
    for number, code in enumerate(codes):
        counts = [report.codes_by_borough[b].get(code, 0) for b in boroughs]
        series.append(_bar_set(humanise(code), counts, PALETTE[number % len(PALETTE)]))
    chart.addSeries(series)
    categories = _categories([_short_borough(b) for b in boroughs])
    chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(categories)
    top = max([sum(report.codes_by_borough[b].get(c, 0) for c in codes) for b in boroughs] + [1])
    values = _value_axis(top, "clips")
    chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(values)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    font = QFont(chart.legend().font())
    font.setPointSizeF(8)
    chart.legend().setFont(font)
    return chart
