"""A ``QAbstractTableModel`` over :class:`~bwvtool.ui.browser.ClipBrowser`: Qt's view of the catalogue.

Rows arrive lazily: the view calls ``canFetchMore``/``fetchMore`` as the user scrolls near the end, so a
100,000-clip catalogue costs one page of SQL to show. Sorting is done by the store (ORDER BY), never in Qt.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from bwvtool.store.browse import ClipRow, ClipSort
from bwvtool.ui.browser import ClipBrowser
from bwvtool.ui.columns import COLUMNS, Col, media_text, row_texts

ClipRowRole = Qt.ItemDataRole.UserRole + 1
_VIDEO_COLOURS = {"ok": QColor("#1f7a4d"), "unchecked": QColor("#5d6675")}
_VIDEO_PROBLEM_COLOUR = QColor("#b3261e")
_ALIGN_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_ALIGN_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

AnyIndex = QModelIndex | QPersistentModelIndex


def _alignment(col: Col) -> Qt.AlignmentFlag:
    spec = COLUMNS[col]
    if spec.centred:
        return Qt.AlignmentFlag.AlignCenter
    return _ALIGN_RIGHT if spec.numeric else _ALIGN_LEFT


class ClipTableModel(QAbstractTableModel):
    """Maps the browser's events onto Qt's model signals; formats each row once when it arrives."""

    def __init__(self, browser: ClipBrowser, parent: Any = None) -> None:
        super().__init__(parent)
        self.browser = browser
        self._texts: list[tuple[str, ...] | None] = []  # each row formatted when first shown
        events = browser.events
        events.resetting.connect(self.beginResetModel)
        events.reset.connect(self._on_reset)
        events.inserting.connect(self._on_inserting)
        events.inserted.connect(self._on_inserted)

    # -- browser events -----------------------------------------------------------------------------------
    def _on_reset(self) -> None:
        self._texts = [None] * len(self.browser.rows)
        self.endResetModel()

    def _on_inserting(self, first: int, last: int) -> None:
        self.beginInsertRows(QModelIndex(), first, last)

    def _on_inserted(self) -> None:
        self._texts.extend([None] * (len(self.browser.rows) - len(self._texts)))
        self.endInsertRows()

    def _row_texts(self, row: int) -> tuple[str, ...]:
        texts = self._texts[row]
        if texts is None:
            texts = self._texts[row] = row_texts(self.browser.rows[row])
        return texts

    # -- Qt model interface -------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._texts)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.browser.has_more

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:  # noqa: B008
        if not parent.isValid():
            self.browser.fetch_more()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), Col(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._row_texts(row)[col]
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == Col.VIDEO:
                return media_text(self.browser.rows[row]) or None
            text = self._row_texts(row)[col]
            return text if COLUMNS[col].elide and text else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(col)
        if role == Qt.ItemDataRole.ForegroundRole and col == Col.VIDEO:
            return _VIDEO_COLOURS.get(self.browser.rows[row].media_status, _VIDEO_PROBLEM_COLOUR)
        if role == ClipRowRole:
            return self.browser.rows[row]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[Col(section)].label
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(Col(section))
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[Col(column)].sort_key
        if key is not None:
            self.browser.set_sort(ClipSort(key, order == Qt.SortOrder.DescendingOrder))

    # -- helpers for views --------------------------------------------------------------------------------
    def clip_at(self, row: int) -> ClipRow | None:
        return self.browser.rows[row] if 0 <= row < len(self.browser.rows) else None
