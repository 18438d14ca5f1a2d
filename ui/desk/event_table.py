"""The event table beside the timeline: one row per event in onset order, kept in step with the session.

Rows are read from the session on demand and inserted or removed one at a time as the session reports changes;
an event's row is found by bisecting the table's (onset, id) order, so a key press costs the same with 10 events as
with 50,000. Rows reach the view a page at a time (Qt's fetchMore), so opening a clip shows the first page at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QModelRoleDataSpan, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from bwvtool.coding.actors import actor_label
from bwvtool.coding.columns import IdPositions
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodingSession
from bwvtool.ui.timeline.geometry import format_ms

COLUMNS = ("Onset", "Frame", "Offset", "Code", "Actor", "Modifiers", "Note")

Index = QModelIndex | QPersistentModelIndex


PAGE_ROWS = 400

ANSWERED = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                      Qt.ItemDataRole.TextAlignmentRole})  # fmt: skip
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
RUNNING = QColor("#d19a66")  # a state's offset while it still runs


class EventTableModel(QAbstractTableModel):
    def __init__(self, session: CodingSession, labels: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.labels = labels  # code id -> label
        # True while rows follow a change of the session: when the view's current row goes with a removed row,
        # Qt makes a neighbour current, which is the model's doing, not the user's choice of event.
        self.following_session = False
        self._load()
        session.on_change(self._changed)

    def _load(self) -> None:
        self._keys = self.session.keys()  # row order: (onset_ms, id), sorted; no event is made for it
        # Where the rows place each event: as at open (bisected, no dict of 50,000 entries), else as changed since.
        self._opened, self._opened_at = self._keys.copy(), IdPositions(self._keys.ids)
        self._moved: dict[int, int | None] = {}  # event id -> onset since open (None: no longer a row)
        self._shown = min(PAGE_ROWS, len(self._keys))  # rows the view has been given so far

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt)
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt)
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008 (Qt)
        return not parent.isValid() and self._shown < len(self._keys)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008 (Qt)
        if parent.isValid():
            return
        self.show_through(self._shown + PAGE_ROWS - 1)

    def show_through(self, row: int) -> None:
        """Give the view every row up to ``row`` (to select an event further down than it has scrolled)."""
        last = min(row, len(self._keys) - 1)
        if last >= self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, last)
            self._shown = last + 1
            self.endInsertRows()

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def event_at(self, row: int) -> Event:
        return self.session.event(self._keys.ids[row])

    def id_at(self, row: int) -> int:
        """The id of the event in ``row`` (no event is made for it)."""
        return int(self._keys.ids[row])

    def _onset_of(self, event_id: int) -> int | None:
        if event_id in self._moved:
            return self._moved[event_id]
        at = self._opened_at.get(event_id)
        return None if at is None else self._opened.onsets[at]

    def _row(self, event_id: int) -> int:
        """The event's position in the whole order (shown or not yet), or -1: one bisect."""
        onset = self._onset_of(event_id)
        return -1 if onset is None else self._keys.position(onset, event_id)

    def row_of(self, event_id: int) -> int:
        """The event's row, its page given to the view first; -1 if the event is not in the table."""
        row = self._row(event_id)
        if row >= 0:
            self.show_through(row)
        return row

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in ANSWERED:
            return None
        return self._cell(index.row(), index.column(), role)

    def multiData(self, index: Index, roles: QModelRoleDataSpan) -> None:  # noqa: N802 (Qt)
        """Every role a cell is painted with, in one call: the view asks for seven roles per cell, and the table
        repaints its visible rows on every key press (the new row is shown). One Python call per cell instead of
        seven about halves that paint (13 rows on the desk's benchmark: 2.8–3.6 ms against 4.8–7.1 ms)."""
        if not index.isValid():
            return
        row, column = index.row(), index.column()
        for i in range(len(roles)):
            wanted = roles[i]
            role = wanted.role()
            wanted.setData(self._cell(row, column, role) if role in ANSWERED else None)

    def _cell(self, row: int, column: int, role: int) -> Any:
        """What a cell shows for one of the ANSWERED roles; the event is fetched only for the roles that need it."""
        if role == Qt.ItemDataRole.TextAlignmentRole:  # no event needed
            return RIGHT if column in (0, 1, 2) else None
        if role == Qt.ItemDataRole.ForegroundRole and column != 2:
            return None
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of an elided cell
            if column not in (3, 5, 6):
                return None
            return self._cell(row, column, Qt.ItemDataRole.DisplayRole) or None
        event = self.event_at(row)
        if role == Qt.ItemDataRole.ForegroundRole:
            return RUNNING if event.offset_ms is None else None
        if column == 0:
            return format_ms(event.onset_ms)
        if column == 1:
            return event.onset_frame
        if column == 2:
            if event.offset_ms is None:
                return "running" if self.session.codes.spec(event.code).is_state else ""
            return format_ms(event.offset_ms)
        if column == 3:
            return ("★ " if event.starred else "") + self.labels.get(event.code, event.code)
        if column == 4:
            return actor_label(event.actor)
        if column == 5:
            return ", ".join(
                f"{k}: {', '.join(v) if isinstance(v, list) else v}" for k, v in event.modifiers.items()
            )
        return event.note or ""

    # Rows follow the session: insertions and removals one row at a time, signalled only for shown rows.
    def _changed(self, kind: str, event: Event | None) -> None:
        self.following_session = True
        try:
            self._follow(kind, event)
        finally:
            self.following_session = False

    def _follow(self, kind: str, event: Event | None) -> None:
        if event is None or event.id is None:
            self.beginResetModel()
            self._load()
            self.endResetModel()
            return
        old = self._row(event.id)
        if kind == "changed" and old >= 0 and self._keys.onsets[old] == event.onset_ms:
            if old < self._shown:  # same place: the row's cells change, nothing moves
                self.dataChanged.emit(self.index(old, 0), self.index(old, len(COLUMNS) - 1))
            return
        if kind in ("removed", "changed") and old >= 0:
            self._remove_row(old)
            self._moved[event.id] = None
        if kind in ("added", "changed"):
            self._moved[event.id] = event.onset_ms
            self._insert_row(self._keys.position(event.onset_ms, event.id), event.onset_ms, event.id)

    def _remove_row(self, row: int) -> None:
        if row < self._shown:
            self.beginRemoveRows(QModelIndex(), row, row)
            self._keys.delete(row)
            self._shown -= 1
            self.endRemoveRows()
        else:
            self._keys.delete(row)

    def _insert_row(self, row: int, onset_ms: int, event_id: int) -> None:
        if row < self._shown or self._shown == len(self._keys):  # among the shown rows, or all were shown
            self.beginInsertRows(QModelIndex(), row, row)
            self._keys.insert(row, onset_ms, event_id)
            self._shown += 1
            self.endInsertRows()
        else:
            self._keys.insert(row, onset_ms, event_id)


class EventTableView(QTableView):
    """The event table's view: its columns always share its width, so it never scrolls sideways (the desk's
    table is about a third of the window). Times and frame get what their text needs; code, actor, modifiers and
    note share the rest and elide (the whole text is the cell's tooltip). Sizing from the width, not from the
    cells' contents, also spares a 50,000-event clip a pass over a thousand rows when it opens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        # Every row one line high, fixed: the view never asks tens of thousands of rows for their size, so
        # giving it many rows at once (selecting an event far down) stays cheap.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setAlternatingRowColors(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setWordWrap(False)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(24)

    def setModel(self, model) -> None:  # noqa: N802 (Qt)
        super().setModel(model)
        self.fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt)
        super().resizeEvent(event)
        self.fit_columns()

    def column_widths(self, width: int) -> list[int]:
        """The columns' widths for a viewport ``width`` px wide (they add up to it).

        Every column first gets what it needs: times and frame their text, code and actor their longest label
        (from the codebook, not the rows), modifiers and note their header. Room left over goes to modifiers and
        note; when there is too little, the code column gives way first, then the actor, then the rest alike."""
        metrics = self.fontMetrics()
        padding = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 10
        model = self.model()
        labels = model.labels.values() if isinstance(model, EventTableModel) else ()

        def need(*texts: str) -> int:
            return max(metrics.horizontalAdvance(text) for text in texts) + padding

        clock, frame = need("0:00.000", "Offset"), need("00000", "Frame")
        widths = [clock, frame, clock, need("Code", *(f"★ {label}" for label in labels)),
                  need("Officer 9", "Subject 9", "Third party"), need("Modifiers"), need("Note")]  # fmt: skip
        spare = width - sum(widths)
        if spare >= 0:
            widths[5] += int(spare * 0.4)
            widths[6] += spare - int(spare * 0.4)
            return widths
        for column, floor in (
            (3, need("Code")),
            (4, need("Actor")),
        ):  # too narrow: code gives way, then actor
            give = min(-spare, widths[column] - floor)
            widths[column] -= give
            spare += give
        if spare < 0:
            widths = [max(24, int(w * width / (width - spare))) for w in widths]
        widths[-1] = max(24, width - sum(widths[:-1]))
        return widths

    def fit_columns(self) -> None:
        if self.model() is None:
            return
        header = self.horizontalHeader()
        for column, width in enumerate(self.column_widths(self.viewport().width())):
            header.resizeSection(column, width)
