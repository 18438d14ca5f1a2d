"""The lag-1 transition heat map: rows are the given code, columns the code that follows.

Each cell is coloured by its adjusted residual on a diverging scale (blue: fewer transitions than the codes'
frequencies predict, red: more), clipped at ±:data:`LIMIT`; cells with |z| ≥ 1.96 (p < .05) are outlined. The
cell shows the count (or the residual, or Yule's Q); the tooltip shows all of them with the expected count.

Qt Charts has no heat map series, and a transition matrix is a table-like grid rather than a chart, so this is a
plain painted widget (no new dependency). The numbers are the core's :meth:`Transitions.rows`, unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from bwvtool.ui import theme

if TYPE_CHECKING:
    from bwvtool.analysis.sequences import Transitions

LIMIT = 4.0  # residuals beyond ±4 take the end colours
SIGNIFICANT = 1.96
# ColorBrewer RdBu (9 classes), blue for negative residuals, red for positive.
STOPS = ("#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b")
UNDEFINED = "#e9ebef"
RARE = QColor("#f7f8fa")  # a transition seen too rarely to read anything into: left blank
LEFT_ALIGN = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT_ALIGN = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CellText = Literal["count", "residual", "yules_q"]


def residual_colour(z: float | None, limit: float = LIMIT) -> QColor:
    """The diverging scale's colour for an adjusted residual (grey when undefined)."""
    if z is None:
        return QColor(UNDEFINED)
    t = (max(-limit, min(limit, z)) + limit) / (2 * limit) * (len(STOPS) - 1)
    i = min(int(t), len(STOPS) - 2)
    f = t - i
    a, b = QColor(STOPS[i]), QColor(STOPS[i + 1])
    return QColor.fromRgbF(
        a.redF() + (b.redF() - a.redF()) * f,
        a.greenF() + (b.greenF() - a.greenF()) * f,
        a.blueF() + (b.blueF() - a.blueF()) * f,
    )


def _ink(background: QColor) -> QColor:
    """Dark text on light cells, white on dark ones."""
    luminance = 0.299 * background.redF() + 0.587 * background.greenF() + 0.114 * background.blueF()
    return QColor("#ffffff") if luminance < 0.55 else QColor(theme.TEXT)


def _signed(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


class TransitionHeatMap(QWidget):
    """A grid of lag-1 transitions; :meth:`cell` gives what a cell shows (for tests and tooltips)."""

    CELL = QSize(38, 30)  # the largest cell; :meth:`fit` shrinks cells to show the whole grid
    MIN_CELL = QSize(26, 20)
    PAD = 10

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.labels: tuple[str, ...] = ()  # as shown: codebook labels of the codes kept
        self._rows: list[dict[str, Any]] = []
        self._keep: list[int] = []  # the kept codes' indices in the whole table
        self._n = 0  # codes in the whole table
        self.min_count = 1
        self.cell_text: CellText = "count"
        self.cell_size = QSize(self.CELL)
        self._space: QSize | None = None
        self._hover: tuple[int, int] | None = None
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    # -- data --------------------------------------------------------------------------------------------------
    def set_transitions(self, result: Transitions | None, min_count: int = 1) -> None:
        """Show the codes in a transition seen ``min_count`` times or more; cells seen fewer times stay blank.
        Residuals and Yule's Q are those of the whole table."""
        self.min_count = max(min_count, 1)
        self._keep = result.common(self.min_count) if result is not None else []
        self._n = len(result.labels) if result is not None else 0
        self.labels = tuple(result.name(result.labels[k]) for k in self._keep) if result is not None else ()
        self._rows = result.rows() if result is not None else []
        if result is not None:
            for row in self._rows:
                row["given"], row["target"] = result.name(row["given"]), result.name(row["target"])
        self._hover = None
        self.fit(self._space)

    def fit(self, space: QSize | None) -> None:
        """Size the cells so the grid fits in ``space`` where it can (from :data:`MIN_CELL` to :data:`CELL`)."""
        self._space = space
        n = len(self.labels)
        if n and space is not None:
            left, top = self._margins()
            height = (space.height() - top - self.PAD - 2) // n
            width = (space.width() - left - self.PAD - 2) // n
            side = max(self.MIN_CELL.height(), min(self.CELL.height(), height))
            self.cell_size = QSize(
                max(self.MIN_CELL.width(), min(self.CELL.width(), width, round(side * 1.3))), side
            )
        else:
            self.cell_size = QSize(self.CELL)
        self.updateGeometry()
        self.adjustSize()
        self.update()

    def set_cell_text(self, what: CellText) -> None:
        self.cell_text = what
        self.update()

    def cell(self, given: int, target: int) -> dict[str, Any]:
        """``given``, ``target``, ``count``, ``expected``, ``adjusted_residual``, ``yules_q``, ``significant``."""
        row = dict(self._rows[self._keep[given] * self._n + self._keep[target]])
        z = row["adjusted_residual"]
        row["rare"] = row["count"] < self.min_count
        row["significant"] = z is not None and abs(z) >= SIGNIFICANT and not row["rare"]
        return row

    def cell_label(self, given: int, target: int) -> str:
        """The text drawn in the cell."""
        cell = self.cell(given, target)
        if cell["rare"]:
            return ""
        if self.cell_text == "residual":
            return "" if cell["adjusted_residual"] is None else f"{cell['adjusted_residual']:+.1f}"
        if self.cell_text == "yules_q":
            return "" if cell["yules_q"] is None else f"{cell['yules_q']:+.2f}"
        return str(cell["count"]) if cell["count"] else ""

    def tooltip(self, given: int, target: int) -> str:
        cell = self.cell(given, target)
        expected = "n/a" if cell["expected"] is None else f"{cell['expected']:.2f}"
        lines = [
            f"<b>{cell['given']}</b> → <b>{cell['target']}</b>",
            f"observed {cell['count']}, expected {expected}",
            f"adjusted residual z = {_signed(cell['adjusted_residual'], 2)}"
            + (" (p &lt; .05)" if cell["significant"] else ""),
            f"Yule's Q = {_signed(cell['yules_q'], 2)}",
        ]
        if cell["adjusted_residual"] is None:
            lines.append("<i>undefined: no transitions from or to this code</i>")
        if cell["rare"]:
            lines.append(f"<i>seen fewer than {self.min_count} times: left blank</i>")
        return "<br>".join(lines)

    # -- geometry ----------------------------------------------------------------------------------------------
    def _label_font(self) -> QFont:
        return QFont(self.font())

    def _margins(self) -> tuple[int, int]:
        """Left (row labels and axis title) and top (column labels and axis title) margins."""
        metrics = QFontMetrics(self._label_font())
        widest = max((metrics.horizontalAdvance(label) for label in self.labels), default=0)
        title = metrics.height() + 8
        return widest + title + 2 * self.PAD, widest + title + 2 * self.PAD

    def grid_rect(self) -> QRect:
        left, top = self._margins()
        n = len(self.labels)
        return QRect(left, top, n * self.cell_size.width(), n * self.cell_size.height())

    def sizeHint(self) -> QSize:
        grid = self.grid_rect()
        return QSize(grid.right() + self.PAD + 2, grid.bottom() + self.PAD + 2)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def cell_rect(self, given: int, target: int) -> QRect:
        grid = self.grid_rect()
        w, h = self.cell_size.width(), self.cell_size.height()
        return QRect(grid.left() + target * w, grid.top() + given * h, w, h)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        grid = self.grid_rect()
        if not self.labels or not grid.contains(pos):
            return None
        return (pos.y() - grid.top()) // self.cell_size.height(), (
            pos.x() - grid.left()
        ) // self.cell_size.width()

    # -- painting ----------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.labels:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self._paint_cells(painter)
        self._paint_labels(painter)
        painter.end()

    def _paint_cells(self, painter: QPainter) -> None:
        n = len(self.labels)
        small = QFont(self.font())
        shrink = 1.0 if self.cell_size.height() >= 26 else 2.0
        small.setPointSizeF(max(self.font().pointSizeF() - shrink, 6.5))
        bold = QFont(small)
        bold.setWeight(QFont.Weight.Bold)
        for i in range(n):
            for j in range(n):
                cell = self.cell(i, j)
                rect = self.cell_rect(i, j)
                fill = RARE if cell["rare"] else residual_colour(cell["adjusted_residual"])
                painter.fillRect(rect, fill)
                text = self.cell_label(i, j)
                if text:
                    painter.setFont(bold if cell["significant"] else small)
                    painter.setPen(_ink(fill))
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        # White hairlines between cells, then the significant outlines on top of them.
        painter.setPen(QPen(QColor("#ffffff"), 1))
        grid = self.grid_rect()
        for k in range(n + 1):
            x = grid.left() + k * self.cell_size.width()
            y = grid.top() + k * self.cell_size.height()
            painter.drawLine(x, grid.top(), x, grid.bottom() + 1)
            painter.drawLine(grid.left(), y, grid.right() + 1, y)
        outline = QPen(QColor(theme.TEXT), 2)
        outline.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(outline)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i in range(n):
            for j in range(n):
                if self.cell(i, j)["significant"]:
                    painter.drawRect(QRectF(self.cell_rect(i, j)).adjusted(1.5, 1.5, -1.5, -1.5))
        if self._hover is not None:
            painter.setPen(QPen(QColor(theme.ACCENT), 2))
            painter.drawRect(QRectF(self.cell_rect(*self._hover)).adjusted(0.5, 0.5, -0.5, -0.5))

    def _paint_labels(self, painter: QPainter) -> None:
        font = self._label_font()
        metrics = QFontMetrics(font)
        grid = self.grid_rect()
        hover_row, hover_col = self._hover if self._hover is not None else (-1, -1)
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        for k, label in enumerate(self.labels):
            painter.setPen(QColor(theme.TEXT))
            painter.setFont(bold if k == hover_row else font)
            row = self.cell_rect(k, 0)
            painter.drawText(QRect(0, row.top(), grid.left() - 6, row.height()),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)  # fmt: skip
            column = self.cell_rect(0, k)
            painter.save()
            painter.setFont(bold if k == hover_col else font)
            # Column labels read upwards, their ends lined up just above the grid.
            painter.translate(column.center().x() + metrics.ascent() / 2 - 1, grid.top() - 6)
            painter.rotate(-90)
            painter.drawText(QPointF(0, 0), label)
            painter.restore()
        title = QFont(font)
        title.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title)
        painter.setPen(QColor(theme.MUTED))
        painter.drawText(QRect(grid.left(), self.PAD - 2, grid.width(), metrics.height()),
                         Qt.AlignmentFlag.AlignCenter, "Next code (lag 1)  →")  # fmt: skip
        painter.save()
        painter.translate(self.PAD - 2, grid.center().y())
        painter.rotate(-90)
        painter.drawText(QRect(-grid.height() // 2, 0, grid.height(), metrics.height()),
                         Qt.AlignmentFlag.AlignCenter, "Given code")  # fmt: skip
        painter.restore()

    # -- hover -------------------------------------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hover = self.cell_at(event.position().toPoint())
        if hover != self._hover:
            self._hover = hover
            self.update()
        super().mouseMoveEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        self._hover = None
        self.update()
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            at = self.cell_at(event.pos())  # type: ignore[attr-defined]
            if at is None:
                QToolTip.hideText()
            else:
                where = event.globalPos()  # type: ignore[attr-defined]
                QToolTip.showText(where, self.tooltip(*at), self, self.cell_rect(*at))
            return True
        return super().event(event)


class ResidualLegend(QWidget):
    """The heat map's colour scale (a horizontal bar with the significance thresholds marked), the outline of a
    significant cell and the colour of an undefined one."""

    BAR = QSize(300, 14)
    TICKS = ((-LIMIT, f"≤ −{LIMIT:g}"), (-SIGNIFICANT, "−1.96"), (0.0, "0"), (SIGNIFICANT, "+1.96"),
             (LIMIT, f"≥ +{LIMIT:g}"))  # fmt: skip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        line = QFontMetrics(self.font()).height()
        return QSize(self.BAR.width() + 60, 5 * line + self.BAR.height() + 26)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        title = QFont(self.font())
        title.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(QPoint(0, metrics.ascent()), "Adjusted residual z (observed vs expected)")
        painter.setFont(self.font())
        left = metrics.horizontalAdvance(self.TICKS[0][1]) // 2 + 2
        bar = QRect(left, line + 8, max(self.BAR.width(), self.width() - 2 * left - 4), self.BAR.height())
        gradient = QLinearGradient(QPointF(bar.left(), 0), QPointF(bar.right(), 0))
        for k, colour in enumerate(STOPS):
            gradient.setColorAt(k / (len(STOPS) - 1), QColor(colour))
        painter.fillRect(bar, gradient)
        painter.setPen(QColor(theme.MUTED))
        for z, text in self.TICKS:
            x = round(bar.left() + (z + LIMIT) / (2 * LIMIT) * bar.width())
            painter.drawLine(x, bar.bottom() + 1, x, bar.bottom() + 5)
            width = metrics.horizontalAdvance(text)
            painter.drawText(QPoint(x - width // 2, bar.bottom() + 6 + metrics.ascent()), text)
        y = bar.bottom() + 8 + line
        painter.drawText(QRect(bar.left(), y, bar.width() // 2, line), LEFT_ALIGN, "← fewer than expected")
        painter.drawText(
            QRect(bar.center().x(), y, bar.width() // 2, line), RIGHT_ALIGN, "more than expected →"
        )
        y += line + 8
        swatch = QRect(bar.left(), y, 18, 14)
        painter.fillRect(swatch, residual_colour(2.5))
        painter.setPen(QPen(QColor(theme.TEXT), 2))
        painter.drawRect(QRectF(swatch).adjusted(1, 1, -1, -1))
        painter.setPen(QColor(theme.MUTED))
        text = "|z| ≥ 1.96 (p < .05)"
        painter.drawText(QPoint(swatch.right() + 8, swatch.bottom() - 2), text)
        swatch = QRect(swatch.right() + 8 + metrics.horizontalAdvance(text) + 24, y, 18, 14)
        painter.fillRect(swatch, QColor(UNDEFINED))
        painter.drawText(QPoint(swatch.right() + 8, swatch.bottom() - 2), "undefined")
        painter.end()
