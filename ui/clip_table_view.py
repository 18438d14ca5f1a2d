"""The catalogue table: a ``QTableView`` set up for many uniform rows, with sorting done by the store."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPolygonF
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from bwvtool.store.browse import ClipRow, ClipSort
from bwvtool.ui import theme
from bwvtool.ui.clip_table_model import ClipTableModel
from bwvtool.ui.columns import COLUMNS, Col, column_for_sort_key

ROW_HEIGHT = 28
CELL_PADDING = 18  # the item's left and right padding
SORT_ARROW = 16


class SortHeader(QHeaderView):
    """A header that draws its own sort arrow: ▼ when the column runs from highest to lowest (newest first),
    ▲ from lowest to highest. Qt hands the style "sort up" for a descending column, and Fusion on Linux draws
    that as ▲, so newest-first showed an ascending arrow."""

    ARROW = 7  # the triangle's width in pixels

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setSortIndicatorShown(False)  # the style's arrow is not drawn; paintSection draws this one
        self.arrow_shown = True

    def paintSection(self, painter: QPainter, rect: QRect, logical_index: int) -> None:
        painter.save()
        super().paintSection(painter, rect, logical_index)
        painter.restore()
        if not self.arrow_shown or logical_index != self.sortIndicatorSection():
            return
        half, height = self.ARROW / 2, self.ARROW / 2 + 1
        centre_x, centre_y = rect.right() - SORT_ARROW / 2 - 2, rect.center().y() + 0.5
        top, bottom = centre_y - height / 2, centre_y + height / 2
        if self.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder:  # ▼
            points = [QPointF(centre_x - half, top), QPointF(centre_x + half, top), QPointF(centre_x, bottom)]
        else:  # ▲
            points = [
                QPointF(centre_x - half, bottom),
                QPointF(centre_x + half, bottom),
                QPointF(centre_x, top),
            ]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.MUTED))
        painter.drawPolygon(QPolygonF(points))
        painter.restore()


class ClipTableView(QTableView):
    """Emits ``clip_selected(ClipRow | None)`` when the current row changes."""

    clip_selected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(theme.TABLE_STYLE)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setCornerButtonEnabled(False)
        rows = self.verticalHeader()
        rows.setVisible(False)
        # Fixed heights: the view never measures rows, which keeps large models fast.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(ROW_HEIGHT)
        header = SortHeader(self)
        self.setHorizontalHeader(header)
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(48)
        header.sectionClicked.connect(self._on_header_clicked)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)

    def setModel(self, model: ClipTableModel) -> None:  # type: ignore[override]
        super().setModel(model)
        metrics = self.fontMetrics()
        for col, spec in COLUMNS.items():
            # Wide enough for the header (bold, with the sort arrow) and for typical content.
            arrow = SORT_ARROW if spec.sort_key else 0
            header_width = metrics.horizontalAdvance(spec.label) * 11 // 10 + arrow
            self.setColumnWidth(col, max(header_width, metrics.horizontalAdvance(spec.sample)) + CELL_PADDING)
            self.setColumnHidden(col, not spec.shown)
        self._show_sort(model.browser.sort)
        self.selectionModel().currentRowChanged.connect(self._on_current_row)

    def clip_model(self) -> ClipTableModel:
        return self.model()  # type: ignore[return-value]

    def _show_sort(self, sort: ClipSort) -> None:
        col = column_for_sort_key(sort.key)
        order = Qt.SortOrder.DescendingOrder if sort.descending else Qt.SortOrder.AscendingOrder
        self.horizontalHeader().setSortIndicator(-1 if col is None else int(col), order)

    def _on_header_clicked(self, section: int) -> None:
        """Sortable columns toggle their order; others leave the current sort (and its arrow) alone."""
        model = self.clip_model()
        key = COLUMNS[Col(section)].sort_key
        current = model.browser.sort
        if key is None:
            self._show_sort(current)
            return
        descending = not current.descending if key == current.key else key == "recorded"
        sort = ClipSort(key, descending)
        model.browser.set_sort(sort)
        self._show_sort(sort)

    def _column_menu(self, position: QPoint) -> None:
        """Right-click on the header: choose which columns are shown."""
        menu = QMenu(self)
        for col, spec in COLUMNS.items():
            action = menu.addAction(spec.label)
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(col))
            action.toggled.connect(lambda shown, c=col: self.setColumnHidden(c, not shown))
        menu.exec(self.horizontalHeader().mapToGlobal(position))

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row: ClipRow | None = self.clip_model().clip_at(current.row()) if current.isValid() else None
        self.clip_selected.emit(row)
