"""An incident as one unit: its cameras in step (:class:`IncidentGrid`) above its alignment, which a reviewer can
nudge frame by frame (each nudge audited, exactly as ``bwvtool incident nudge``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.errors import BwvError
from bwvtool.incidents.library import describe, nudge
from bwvtool.incidents.timeline import Placement
from bwvtool.ui.incident.coding_bar import IncidentCodingBar
from bwvtool.ui.incident.coverage import CoverageBar, Span
from bwvtool.ui.incident.grid import Camera, IncidentGrid

_COLUMNS = ("Clip", "Offset", "Drift", "Confidence", "How it was placed")


def _cells(entry: dict) -> list[str]:
    if entry.get("method") is None:
        return [entry["clip_id"], "", "", "", "not aligned"]
    how = entry["label"] + (f": {entry['note']}" if entry.get("note") else "")
    if entry.get("nudge_frames"):
        how += f", nudged {entry['nudge_frames']:+d} frames"
    return [
        entry["clip_id"],
        f"{entry['offset_ms'] / 1000:.3f} s",
        f"{entry['drift_ppm']:+.1f} ppm",
        "" if entry["confidence"] is None else f"PSR {entry['confidence']:.0f}",
        how,
    ]


class IncidentWindow(QWidget):
    """Opened on a workspace (``ws.call`` runs the core next to its connection) and an aligned incident."""

    status = Signal(str)

    def __init__(self, ws, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self.incident_id: str | None = None
        self.entries: list[dict] = []
        self.title = QLabel()
        self.grid = IncidentGrid(self)
        self.coverage = CoverageBar(self)
        self.grid.incidentTimeChanged.connect(self.coverage.set_position)
        self.coverage.seekRequested.connect(self.grid.seek)
        self.coding = IncidentCodingBar(ws, user, self.grid, self)
        self.coding.status.connect(self.status)
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.back = QPushButton("◀ 1 frame")
        self.on = QPushButton("1 frame ▶")
        self.back.setToolTip(
            "Nudge the selected clip: show the frame before at every incident time (audited)"
        )
        self.on.setToolTip("Nudge the selected clip: show the next frame at every incident time (audited)")
        self.back.clicked.connect(lambda: self.nudge_selected(-1))
        self.on.clicked.connect(lambda: self.nudge_selected(1))
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Nudge selected clip:"))
        buttons.addWidget(self.back)
        buttons.addWidget(self.on)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 4)
        layout.addWidget(self.coverage)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.coding, 1)

    def open_incident(self, incident_id: str) -> None:
        """Show ``incident_id``'s cameras (those with media and an alignment) and its alignment table."""
        self.incident_id = incident_id
        self._reload()
        cameras = [
            Camera(
                e["clip_id"], Path(e["media_path"]), Placement(e["clip_id"], e["offset_ms"], e["drift_ppm"])
            )
            for e in self.entries
            if e.get("method") and e.get("media_path")
        ]
        self.grid.open(cameras)
        self.coding.load(incident_id)
        self.grid.setFocus()

    def _reload(self) -> None:
        found = self.ws.call(describe, self.incident_id)
        self.entries = found["clips"]
        aligned = "aligned" if found["aligned"] else "not aligned yet (Align incident… runs it)"
        self.title.setText(f"Incident {self.incident_id}: {len(self.entries)} clips, {aligned}")
        self.coverage.set_spans(
            [
                Span(e["clip_id"], e["start_ms"], e["end_ms"], e["method"] != "catalogue")
                for e in self.entries
                if e.get("method")
            ]
        )
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            for column, text in enumerate(_cells(entry)):
                item = QTableWidgetItem(text)
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, column, item)

    def nudge_selected(self, frames: int) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.incident_id is None:
            self.status.emit("Select a clip to nudge")
            return
        clip_id = self.entries[rows[0].row()]["clip_id"]
        try:
            row = self.ws.call(nudge, self.incident_id, clip_id, frames, actor=self.user)
        except BwvError as exc:
            self.status.emit(str(exc))
            return
        self._reload()
        self.table.selectRow(rows[0].row())
        for tile in self.grid.tiles:
            if tile.camera.clip_id == clip_id:
                tile.camera = Camera(
                    clip_id, tile.camera.path, Placement(clip_id, row["offset_ms"], row["drift_ppm"])
                )
        at = self.grid.incident_ms()
        if at is not None:
            self.grid.seek(at)
        self.status.emit(f"Nudged {clip_id} by {frames:+d} frame{'s' if abs(frames) != 1 else ''} (audited)")
