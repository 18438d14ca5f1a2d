"""The event table beside the timeline: one row per event in onset order, kept in step with the session.

Rows are read from the session on demand and inserted or removed one at a time as the session reports changes,
so a key press costs the same with 10 events as with 10,000.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from bwvtool.coding.actors import actor_label
from bwvtool.coding.model import Event
from bwvtool.coding.session import CodingSession
from bwvtool.ui.timeline.geometry import format_ms

COLUMNS = ("Onset", "Frame", "Offset", "Code", "Actor", "Modifiers", "Note")

Index = QModelIndex | QPersistentModelIndex


class EventTableModel(QAbstractTableModel):
    def __init__(self, session: CodingSession, labels: dict[str, str], parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.labels = labels  # code id -> label
        self._rows = [e.id for e in session.events]  # ids in the order rows are shown
        session.on_change(self._changed)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 (Qt)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def event_at(self, row: int) -> Event:
        return self.session.event(self._rows[row])

    def row_of(self, event_id: int) -> int:
        return self._rows.index(event_id) if event_id in self._rows else -1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        event = self.event_at(index.row())
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
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
            if column == 6:
                return event.note or ""
        if role == Qt.ItemDataRole.ForegroundRole and column == 2 and event.offset_ms is None:
            return QColor("#d19a66")
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (0, 1, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    # Rows follow the session: the position of an event is found by bisecting the session's order.
    def _changed(self, kind: str, event: Event | None) -> None:
        if event is None or event.id is None:
            self.beginResetModel()
            self._rows = [e.id for e in self.session.events]
            self.endResetModel()
            return
        if kind in ("removed", "changed") and event.id in self._rows:
            row = self._rows.index(event.id)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
        if kind in ("added", "changed"):
            row = self.session.row_of(event.id)
            self.beginInsertRows(QModelIndex(), row, row)
            self._rows.insert(row, event.id)
            self.endInsertRows()
