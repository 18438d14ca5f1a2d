"""The catalogue table: a ``QTableView`` set up for many uniform rows, with sorting done by the store."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from bwvtool.store.browse import ClipRow, ClipSort
from bwvtool.ui import theme
from bwvtool.ui.clip_table_model import ClipTableModel
from bwvtool.ui.columns import COLUMNS, Col, column_for_sort_key

ROW_HEIGHT = 28
CELL_PADDING = 18  # the item's left and right padding
SORT_ARROW = 16


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
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
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
