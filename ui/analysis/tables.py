"""Tables of reliability figures: a model over rows of dicts, a delegate that draws figures and flags as badges,
and a panel with Copy and Export CSV.

Cells are either text (the core's formatted values, as the ``reliability`` command prints them) or a figure
dict of the report (``value``, ``ci_low``, ``ci_high``, ``flag``, ``note``). Numbers are right-aligned with three
decimals; flags are coloured badges; an undefined figure reads "n/a" with the reason in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bwvtool.ui import theme

Kind = Literal["text", "number", "figure", "flag"]
Emphasis = Callable[[dict[str, Any]], bool]
Index = QModelIndex | QPersistentModelIndex
KIND_ROLE = Qt.ItemDataRole.UserRole + 1
FIGURE_ROLE = Qt.ItemDataRole.UserRole + 2
FLAGS = ("reliable", "tentative", "unreliable")
# (text, background) of each flag's badge: the dashboard's green / amber / red on a light tint.
BADGE = {
    "reliable": ("#1e6b3f", "#e2f3e8"),
    "tentative": ("#8a5a00", "#fcefd6"),
    "unreliable": ("#a0322a", "#fbe4e1"),
}
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: Kind = "text"


def number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def interval(fig: dict[str, Any]) -> str:
    return "" if fig.get("ci_low") is None else f"[{fig['ci_low']:.3f}, {fig['ci_high']:.3f}]"


def figure_text(fig: dict[str, Any] | None) -> str:
    """A figure as one line of text: ``0.812 [0.701, 0.893] reliable`` (``—`` when the row has none)."""
    if fig is None:
        return "—"
    return " ".join(part for part in (number(fig["value"]), interval(fig), fig.get("flag") or "") if part)


def infer_kinds(columns: list[str], rows: list[dict[str, Any]]) -> list[Column]:
    """Kinds of the core's text columns: ``flag…`` columns are flags; all-numeric ones (or intervals) numbers."""

    def numeric(text: str) -> bool:
        if text in ("", "n/a") or text.startswith("["):
            return True
        try:
            float(text)
        except ValueError:
            return False
        return True

    found = []
    for name in columns:
        values = [str(row.get(name, "")) for row in rows]
        if name.startswith("flag"):
            kind: Kind = "flag"
        elif any(values) and all(numeric(v) for v in values):
            kind = "number"
        else:
            kind = "text"
        found.append(Column(name, name, kind))
    return found


class FigureTableModel(QAbstractTableModel):
    """Rows of dicts under :class:`Column` specs (read-only)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns: list[Column] = []
        self.rows: list[dict[str, Any]] = []
        self.emphasis: Emphasis | None = None

    def set_rows(
        self, columns: list[Column], rows: list[dict[str, Any]], emphasis: Emphasis | None = None
    ) -> None:
        """Show ``rows``; rows for which ``emphasis`` is true (e.g. totals) are drawn in bold."""
        self.beginResetModel()
        self.columns, self.rows, self.emphasis = list(columns), list(rows), emphasis
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def cell(self, row: int, column: int) -> Any:
        return self.rows[row].get(self.columns[column].key)

    def text(self, row: int, column: int) -> str:
        """The cell as displayed (and copied)."""
        value, kind = self.cell(row, column), self.columns[column].kind
        if kind == "figure":
            return figure_text(value)
        return "" if value is None else str(value)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        value = self.cell(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if column.kind in ("number", "figure") else LEFT)
        if (
            role == Qt.ItemDataRole.FontRole
            and self.emphasis is not None
            and self.emphasis(self.rows[index.row()])
        ):
            font = QFont()
            font.setWeight(QFont.Weight.DemiBold)
            return font
        if role == KIND_ROLE:
            return column.kind
        if role == FIGURE_ROLE:
            return value
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(column, value)
        return None

    def _tooltip(self, column: Column, value: Any) -> str | None:
        if column.kind == "figure":
            if value is None:
                return "Not reported for this row."
            parts = [f"{column.header}: {figure_text(value)}", f"{value['n_clips']} clip(s)"]
            return "\n".join([*parts, value["note"]] if value.get("note") else parts)
        text = "" if value is None else str(value)
        return text if len(text) > 24 else None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].header
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(RIGHT if self.columns[section].kind == "number" else LEFT)
        return None

    def export_rows(self) -> tuple[list[tuple[str, str]], list[list[Any]]]:
        """Columns (name, export type) and rows for a CSV file: a figure becomes value, CI low/high and flag at
        full precision; text cells stay as shown."""
        names: list[tuple[str, str]] = []
        for column in self.columns:
            name = column.header
            if column.kind == "figure":
                names += [(name, "number"), (f"{name} 95% low", "number"), (f"{name} 95% high", "number")]
                names.append((f"{name} flag", "text"))
            else:
                names.append((name, "number" if column.kind == "number" else "text"))
        rows = []
        for r in range(len(self.rows)):
            cells: list[Any] = []
            for c, column in enumerate(self.columns):
                value = self.cell(r, c)
                if column.kind == "figure":
                    fig = value or {}
                    cells += [fig.get("value"), fig.get("ci_low"), fig.get("ci_high"), fig.get("flag")]
                else:
                    cells.append(self.text(r, c))
            rows.append(cells)
        return names, rows


def _badge_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setPointSizeF(max(font.pointSizeF() - 1.0, 7.0))
    small.setWeight(QFont.Weight.DemiBold)
    return small


def draw_badge(painter: QPainter, rect: QRect, flag: str, font: QFont, *, left: bool = False) -> int:
    """A rounded badge for ``flag``, at the right of ``rect`` (or its left); returns its width."""
    fg, bg = BADGE[flag]
    small = _badge_font(font)
    metrics = QFontMetrics(small)
    width, height = metrics.horizontalAdvance(flag) + 14, metrics.height() + 4
    x = rect.left() if left else rect.right() - width
    badge = QRect(x, rect.center().y() - height // 2 + 1, width, height)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(bg))
    painter.drawRoundedRect(badge, height / 2, height / 2)
    painter.setPen(QColor(fg))
    painter.setFont(small)
    painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, flag)
    painter.restore()
    return width


class FigureDelegate(QStyledItemDelegate):
    """Draws figure cells as value, interval and badge, and flag cells as a badge (other cells as usual)."""

    BADGE_WIDTH = 84
    VALUE_WIDTH = 52
    CI_WIDTH = 116

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        kind = index.data(KIND_ROLE)
        text = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if kind not in ("figure", "flag") or (kind == "flag" and text not in FLAGS and text):
            if kind == "flag":  # a note in a flag column: why the figure is undefined
                option.palette.setColor(QPalette.ColorRole.Text, QColor(theme.MUTED))
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        rect = option.rect.adjusted(6, 0, -8, 0)
        if kind == "flag":
            if text:
                draw_badge(painter, rect, text, option.font, left=True)
            return
        self._paint_figure(painter, option, rect, index.data(FIGURE_ROLE))

    def _paint_figure(
        self, painter: QPainter, option: QStyleOptionViewItem, rect: QRect, fig: dict | None
    ) -> None:
        # Laid out from the left, so the values of a column line up on their decimal point whatever its width.
        painter.save()
        value_area = QRect(rect.left(), rect.top(), self.VALUE_WIDTH, rect.height())
        ci_area = QRect(value_area.right() + 6, rect.top(), self.CI_WIDTH, rect.height())
        badge_area = QRect(ci_area.right() + 10, rect.top(), self.BADGE_WIDTH, rect.height())
        if fig is None:
            painter.setPen(QColor(theme.BORDER))
            painter.drawText(value_area, RIGHT, "—")
        elif fig["value"] is None:
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(value_area, RIGHT, "n/a")
        else:
            bold = QFont(option.font)
            bold.setWeight(QFont.Weight.DemiBold)
            painter.setFont(bold)
            painter.setPen(QColor(theme.TEXT))
            painter.drawText(value_area, RIGHT, number(fig["value"]))
            painter.setFont(option.font)
            painter.setPen(QColor(theme.MUTED))
            painter.drawText(ci_area, RIGHT, interval(fig))
            if fig.get("flag") in FLAGS:
                draw_badge(painter, badge_area, fig["flag"], option.font, left=True)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        kind = index.data(KIND_ROLE)
        if kind == "figure":
            return QSize(self.VALUE_WIDTH + self.CI_WIDTH + self.BADGE_WIDTH + 30, max(size.height(), 26))
        if kind == "flag" and (index.data() or "") in FLAGS:
            return QSize(self.BADGE_WIDTH + 16, max(size.height(), 26))
        return QSize(min(size.width(), 360), max(size.height(), 26))


class TablePanel(QWidget):
    """A titled table with Copy (tab-separated, for a spreadsheet or a paper) and Export CSV…"""

    exported = Signal(str)  # the written file
    MAX_TEXT_WIDTH = 360

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = FigureTableModel(self)
        self.title = theme.muted(QLabel(title, wordWrap=True))
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(FigureDelegate(self.view))
        self.view.setStyleSheet(theme.TABLE_STYLE)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(28)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the table, tab-separated, to paste into a spreadsheet or a paper")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the table as a CSV file (figures at full precision)")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.copy_button)
        top.addWidget(self.export_button)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 8, 0, 0)
        box.addLayout(top)
        box.addWidget(self.view, 1)
        self.copy_button.clicked.connect(self.copy)
        self.export_button.clicked.connect(self._export_dialog)

    def set_rows(
        self, columns: list[Column], rows: list[dict[str, Any]], emphasis: Emphasis | None = None
    ) -> None:
        self.model.set_rows(columns, rows, emphasis)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.resizeColumnsToContents()
        for index, column in enumerate(self.model.columns):  # long notes are elided (the tooltip has them)
            if column.kind in ("text", "flag"):
                self.view.setColumnWidth(index, min(self.view.columnWidth(index), self.MAX_TEXT_WIDTH))
        enabled = bool(rows)
        self.copy_button.setEnabled(enabled)
        self.export_button.setEnabled(enabled)

    def fit_rows(self, most: int, least: int = 3) -> None:
        """Make the table as tall as its rows (at most ``most``, then it scrolls) and the panel as tall as its
        caption and the table, so it never runs under what follows it; on a short window the table gives up
        height down to ``least`` rows and scrolls."""
        view = self.view
        count = self.model.rowCount()
        chrome = (
            view.horizontalHeader().sizeHint().height()
            + 2 * view.frameWidth()
            + view.horizontalScrollBar().sizeHint().height()
        )  # room for a scroll bar on a narrow window
        heights = [view.rowHeight(r) for r in range(count)]
        view.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)
        view.setMaximumHeight(chrome + sum(heights[:most]))
        view.setMinimumHeight(chrome + sum(heights[:least]))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def tsv(self) -> str:
        """The table as shown, tab-separated, with its header row."""
        model = self.model
        lines = ["\t".join(c.header for c in model.columns)]
        lines += [
            "\t".join(model.text(r, c) for c in range(model.columnCount())) for r in range(model.rowCount())
        ]
        return "\n".join(lines) + "\n"

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.tsv())

    def export_csv(self, path: str | Path) -> Path:
        """Write the table as formula-safe CSV (the research exports' writer)."""
        from bwvtool.export.tables import Column as FileColumn
        from bwvtool.export.tables import Table, TableWriter

        path = Path(path)
        names, rows = self.model.export_rows()
        table = Table(path.stem, [FileColumn(name, kind, "") for name, kind in names])  # type: ignore[arg-type]
        with TableWriter(path.parent, table, "csv", path=path) as writer:
            for row in rows:
                writer.write(list(row))
            writer.close()
        self.exported.emit(str(path))
        return path

    def _export_dialog(self) -> None:
        stem = "".join(ch if ch.isalnum() else "-" for ch in self.objectName() or "table").strip("-")
        path, _ = QFileDialog.getSaveFileName(self, "Export table", f"{stem}.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)
