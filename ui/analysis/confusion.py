"""A time-sliced confusion matrix: which label one coder gave each bin against the other coder's label.

The counts are the report's (``time_sliced[*].pairs[*].confusion``); agreement sits on the diagonal (green), and
the off-diagonal cells (red, darker for more bins) show which codes the pair confuses or one of them missed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.ui import theme

AGREE, AGREE_TEXT = "#dff1e6", "#1e6b3f"
DISAGREE = ("#fdf3f1", "#fadcd7", "#f5c0b8")  # few, some, many bins (against the largest off-diagonal cell)


def find_pair(report: dict[str, Any], track: str, coders: list[str]) -> dict[str, Any] | None:
    """The time-sliced entry of ``track`` for the coder pair (None when the pair shares no clip on it)."""
    for entry in report["time_sliced"]:
        if entry["track"] == track:
            return next((p for p in entry["pairs"] if p["coders"] == coders), None)
    return None


class ConfusionPanel(QWidget):
    """The confusion matrix of one track and coder pair (rows: the first coder, columns: the second)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = theme.heading(QLabel(), 0)
        self.caption = theme.muted(QLabel(wordWrap=True))
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Not the shared table style: its item rule would hide the cells' own backgrounds.
        self.table.setStyleSheet(f"QTableWidget {{ background: {theme.BASE}; gridline-color: {theme.BORDER};"
                                 f" border: 1px solid {theme.BORDER}; border-radius: 4px; }}"
                                 f" QHeaderView::section {{ background: {theme.WINDOW}; color: {theme.MUTED};"
                                 f" font-weight: 600; border: none; padding: 4px 6px; }}")  # fmt: skip
        self.table.setShowGrid(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.verticalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        )
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 8, 0, 0)
        box.setSpacing(4)
        box.addWidget(self.title)
        box.addWidget(self.caption)
        box.addWidget(self.table, 1)
        self.show_pair(None, "", [])

    def show_pair(self, pair: dict[str, Any] | None, track: str, coders: list[str], bin_ms: int = 0) -> None:
        """Show ``pair``'s confusion matrix, or a prompt when there is none."""
        if pair is None:
            self.title.setText("Confusion matrix")
            self.caption.setText("Choose a track in the table above to see which codes the coders confuse.")
            self.table.clear()
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            return
        labels, matrix = pair["labels"], pair["confusion"]
        first, second = coders
        self.title.setText(f"Confusion matrix · {track} · {first} × {second}")
        self.caption.setText(
            f"{pair['n_bins']:,} bins of {bin_ms:,} ms on {pair['n_clips']} clips, each labelled with the code "
            f"covering its midpoint. Rows: {first}; columns: {second}. Diagonal: both coders agree. "
            f"Raw agreement {pair['raw_agreement']:.3f}."
            if pair["raw_agreement"] is not None
            else f"{pair['n_bins']:,} bins; rows: {first}, columns: {second}."
        )
        self.table.clear()
        self.table.setRowCount(len(labels))
        self.table.setColumnCount(len(labels))
        self.table.setHorizontalHeaderLabels(labels)
        self.table.setVerticalHeaderLabels(labels)
        off = [matrix[i][j] for i in range(len(labels)) for j in range(len(labels)) if i != j]
        most = max(off, default=0) or 1
        bold = QFont(self.font())
        bold.setWeight(QFont.Weight.DemiBold)
        for i, row in enumerate(matrix):
            for j, count in enumerate(row):
                item = QTableWidgetItem(f"{count:,}" if count else "")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(f"{first}: {labels[i]}\n{second}: {labels[j]}\n{count:,} bins")
                if i == j:
                    item.setBackground(QColor(AGREE))
                    item.setForeground(QColor(AGREE_TEXT))
                    item.setFont(bold)
                elif count:
                    share = count / most
                    item.setBackground(QColor(DISAGREE[0 if share < 0.34 else 1 if share < 0.67 else 2]))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
