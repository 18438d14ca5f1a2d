"""The Dashboard tab: the unit's weekly picture — tiles for the headline figures, Qt Charts for the rest.

The figures are computed by :func:`bwvtool.report.weekly_report`; this page only lays them out. Qt Charts is
imported when the tab is first shown, so it costs the app's start-up nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.errors import BwvError
from bwvtool.ui import theme
from bwvtool.wording import count, noun_for

if TYPE_CHECKING:  # the report is imported when the tab is first shown, not at the app's start-up
    from bwvtool.report import Week, WeeklyReport
    from bwvtool.store import Workspace

TONES = {"below": "#b03a2e", "within": "#1e8449", "above": "#b9770e", "": theme.TEXT}
FOLLOW_EVERY_MS = 3000  # how often an open page looks for work committed elsewhere (one index lookup)
CHARTS = ("programmes", "trend", "support", "themes", "boroughs")


class Tile(QFrame):
    """A headline figure: a big value and a line saying what it is."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tile")
        self.setStyleSheet(f"QFrame#tile {{ background: {theme.BASE}; border: 1px solid {theme.BORDER};"
                           " border-radius: 6px; }")  # fmt: skip
        self.value = QLabel("—")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() + 10)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = theme.muted(QLabel(caption, wordWrap=True))
        box = QVBoxLayout(self)
        box.setContentsMargins(14, 10, 14, 10)
        box.addWidget(self.value)
        box.addWidget(self.caption)

    def show_value(self, value: str, caption: str, tone: str = "") -> None:
        self.value.setText(value)
        palette = self.value.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(TONES.get(tone, theme.TEXT)))
        self.value.setPalette(palette)
        self.caption.setText(caption)


class DashboardPage(QWidget):
    """``workspace`` returns the window's current workspace."""

    status = Signal(str)

    def __init__(self, workspace: Callable[[], Workspace], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._workspace = workspace
        self.report: WeeklyReport | None = None
        self._shown_for: Workspace | None = None
        self.views: dict[str, object] = {}  # chart name -> QChartView, made on first show
        self._built = False  # widgets too: the app starts no slower for having this tab
        self._progress_seen: int | None = None  # the audit log's newest id when the figures were computed

    def ensure_built(self) -> None:
        """Make the page's widgets and charts (once)."""
        if not self._built:
            self._built = True
            self._init_widgets()
            self._init_layout()
            self._connect_signals()
            self._build_charts()

    def _init_widgets(self) -> None:
        self.title = theme.heading(QLabel("Weekly picture"), 4)
        self.week = QComboBox()
        self.week.setMinimumContentsLength(22)
        self.previous = QPushButton("◀ Previous week")
        self.next = QPushButton("Next week ▶")
        self.export = QPushButton("Export HTML…")
        self.note = theme.muted(QLabel(wordWrap=True))
        self.tiles = {
            "reviewed": Tile("incidents reviewed"),
            "sampled": Tile("incidents sampled"),
            "backlog": Tile("incidents in the backlog"),
            "retention": Tile("backlog clips near their retention date"),
            "support": Tile("reviews ending in a support offer"),
            "carried": Tile("incidents carried into next week"),
        }
        self.retention = QTableWidget(0, 4)
        self.retention.setHorizontalHeaderLabels(["Clip", "Incident", "Retention until", "Days left"])
        self.retention.verticalHeader().hide()
        self.retention.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.retention.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.retention.setStyleSheet(theme.TABLE_STYLE)

    def _init_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addSpacing(16)
        top.addWidget(self.previous)
        top.addWidget(self.week)
        top.addWidget(self.next)
        top.addStretch(1)
        top.addWidget(self.export)
        tiles = QHBoxLayout()
        tiles.setSpacing(10)
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        self.grid = QGridLayout()
        self.grid.setSpacing(10)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 12, 14, 12)
        outer.addLayout(top)
        outer.addWidget(self.note)
        outer.addLayout(tiles)
        outer.addLayout(self.grid, 1)

    def _connect_signals(self) -> None:
        self.week.activated.connect(lambda _: self.show_week(self.week.currentData()))
        self.previous.clicked.connect(lambda: self._step(-1))
        self.next.clicked.connect(lambda: self._step(1))
        self.export.clicked.connect(self._export_dialog)
        # Other people complete reviews while the page is open: recompute when anything has been committed.
        self._follow = QTimer(self, interval=FOLLOW_EVERY_MS)
        self._follow.timeout.connect(self.follow_progress)
        self._follow.start()

    def follow_progress(self) -> bool:
        """Show the week again when someone has committed work since its figures were computed (only while the
        page is on screen); True when it did."""
        if not self.isVisible() or self.report is None:
            return False
        from bwvtool.store import audit

        try:
            if audit.last_id(self.workspace.conn) == self._progress_seen:
                return False
            self.show_week(self.week.currentData())
        except (BwvError, sqlite3.Error) as exc:  # a team server that is restarting: try next time
            self.status.emit(f"Could not re-read the workspace: {exc}")
            return False
        return True

    def _build_charts(self) -> None:
        """Make the chart views (imports Qt Charts: done on first show, not at start-up)."""
        from PySide6.QtCharts import QChartView
        from PySide6.QtGui import QPainter

        for name in CHARTS:
            view = QChartView()
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setMinimumSize(280, 220)
            self.views[name] = view
        self.grid.addWidget(self.views["programmes"], 0, 0)
        self.grid.addWidget(self.views["trend"], 0, 1)
        self.grid.addWidget(self.views["support"], 0, 2)
        self.grid.addWidget(self.views["themes"], 1, 0)
        self.grid.addWidget(self.views["boroughs"], 1, 1)
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(theme.heading(QLabel("Backlog within 7 days of its retention date")))
        box.addWidget(self.retention, 1)
        self.grid.addWidget(holder, 1, 2)
        for column in range(3):
            self.grid.setColumnStretch(column, 1)

    # -- showing a week ---------------------------------------------------------------------------------------
    @property
    def workspace(self) -> Workspace:
        return self._workspace()

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_built()
        super().showEvent(event)
        if self._shown_for is not self.workspace:
            self._shown_for = self.workspace
            self.refresh()

    def refresh(self) -> None:
        """Fill the week chooser and show the default week (the newest with sampled incidents)."""
        from bwvtool import report as weekly

        self.ensure_built()
        ws = self.workspace
        weeks = weekly.weeks_with_work(ws)
        chosen = weekly.default_week(ws)
        if chosen not in weeks:
            weeks = sorted({*weeks, chosen}, reverse=True)
        self.week.clear()
        for week in weeks:
            self.week.addItem(f"{week.label}  ({week.start:%d %b} – {week.end:%d %b %Y})", week)
        self.show_week(chosen)

    def show_week(self, week: Week | None) -> None:
        from bwvtool import report as weekly
        from bwvtool.store import audit

        self.ensure_built()
        self._progress_seen = audit.last_id(self.workspace.conn)
        self.report = report = weekly.weekly_report(self.workspace, week)
        index = self.week.findText(report.week, Qt.MatchFlag.MatchStartsWith)
        if index >= 0:
            self.week.setCurrentIndex(index)
        self.previous.setEnabled(self.week.currentIndex() < self.week.count() - 1)
        self.next.setEnabled(self.week.currentIndex() > 0)
        self._show_tiles(report)
        self._show_charts(report)
        self._show_retention(report)
        self.note.setText(
            f"Incidents first recorded {report.start} to {report.end} (ISO week {report.week}); backlog and retention"
            f" as of {report.backlog.as_of}. Figures from the workspace at {report.generated_at[11:16]} UTC."
        )

    def _show_tiles(self, report: WeeklyReport) -> None:
        from bwvtool.report.render import percent

        b, s = report.backlog, report.support
        self.tiles["reviewed"].show_value(
            f"{report.reviewed}",
            f"{noun_for(report.reviewed, 'incident')} reviewed — {report.status} the {report.target_low}–{report.target_high} target",
            report.status,
        )
        self.tiles["sampled"].show_value(
            f"{report.sampled}",
            f"{noun_for(report.sampled, 'incident')} sampled of {report.in_catalogue} recorded",
        )
        self.tiles["backlog"].show_value(
            f"{b.incidents}",
            f"{noun_for(b.incidents, 'incident')} in the backlog ({count(b.clips, 'clip')}, 12 weeks)",
        )
        self.tiles["retention"].show_value(
            f"{len(b.near_retention)}",
            f"backlog {noun_for(len(b.near_retention), 'clip')} within 7 days of retention ({b.past_retention} already past)",
            "below" if b.near_retention else "",
        )
        interval = f"95% CI {percent(s.low)}–{percent(s.high)}" if s.share is not None else "no reviews yet"
        self.tiles["support"].show_value(
            percent(s.share),
            f"support offered: {s.support_offered} of {count(s.reviews, 'review')}, {interval}",
        )
        from bwvtool.report.render import carry_over_text

        self.tiles["carried"].show_value(f"{report.carry_over.left_out}", carry_over_text(report))

    def _show_charts(self, report: WeeklyReport) -> None:
        from bwvtool.ui.dashboard import charts

        makers = {
            "programmes": charts.programme_chart,
            "trend": charts.trend_chart,
            "support": charts.support_chart,
            "themes": charts.themes_chart,
            "boroughs": charts.borough_chart,
        }
        for name, make in makers.items():
            view = self.views[name]
            old = view.chart()
            view.setChart(make(report))
            if old is not None:
                old.deleteLater()

    def _show_retention(self, report: WeeklyReport) -> None:
        rows = report.backlog.near_retention
        self.retention.setRowCount(len(rows))
        for number, item in enumerate(rows):
            values = (item.clip_id, item.incident_id, item.retention_until, str(item.days_left))
            for column, value in enumerate(values):
                cell = QTableWidgetItem(value)
                if column == 3:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.retention.setItem(number, column, cell)

    def _step(self, direction: int) -> None:
        index = self.week.currentIndex() - direction  # the list runs newest first
        if 0 <= index < self.week.count():
            self.week.setCurrentIndex(index)
            self.show_week(self.week.currentData())

    def export_html(self, path: str | Path) -> Path:
        """Write the shown week's picture as a self-contained HTML page."""
        if self.report is None:
            self.refresh()
        from bwvtool.report import render_weekly_html

        path = Path(path)
        path.write_text(render_weekly_html(self.report), encoding="utf-8")  # type: ignore[arg-type]
        self.status.emit(f"Wrote the weekly picture {self.report.week} to {path}")  # type: ignore[union-attr]
        return path

    def _export_dialog(self) -> None:
        if self.report is None:
            return
        suggestion = self.workspace.path.parent / f"weekly-{self.report.week}.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the weekly picture", str(suggestion), "Web page (*.html)"
        )
        if path:
            self.export_html(path)
