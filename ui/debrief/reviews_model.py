"""The list of completed reviews a supervisor can debrief, as a Qt table model (rows from the core)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from bwvtool.store.debriefs import ReviewRef

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    title: str
    sample: str  # the widest text the column usually holds: its width comes from the font

    def text(self, row: ReviewRef) -> str:
        return {
            "Clip": row.clip_id,
            "Recorded": row.recorded_at[:10],
            "Officer": row.officer_ref,
            "Reviewer": row.coder,
            "Outcome": OUTCOMES.get(str(row.answers.get("outcome")), "—"),
            "Video": "▶" if row.has_video else "",
            "Events": str(row.events),
        }[self.title]


OUTCOMES = {
    "no_action": "No action",
    "support_offered": "Support offered",
    "learning_identified": "Learning identified",
    "referral_professional_standards": "Referral to PSD",
}
COLUMNS = (
    Column("Clip", "BWV000000000"),
    Column("Recorded", "2026-11-21"),
    Column("Officer", "1234ABC"),
    Column("Reviewer", "rev.bailey_"),
    Column("Outcome", "Learning identified"),
    Column("Video", "Video"),
    Column("Events", "Events"),
)


class ReviewListModel(QAbstractTableModel):
    """Rows are :class:`~bwvtool.store.debriefs.ReviewRef`; :meth:`set_rows` replaces them."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[ReviewRef] = []

    def set_rows(self, rows: list[ReviewRef]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()].text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            video = "video available for stills" if row.has_video else "no video: the note has no stills"
            return (
                f"{row.clip_id}, {row.borough}, reviewed by {row.coder}: {row.events} coded events; {video}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()].title in ("Events", "Video"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section].title
        return None
