"""An incident as one unit: its cameras in step (:class:`IncidentGrid`), the incident's timeline with each
camera's coverage and the events coded, the code palette beside the events (every camera's frame at each) and the
alignment, which a reviewer can nudge frame by frame (each nudge audited, exactly as ``bwvtool incident nudge``).
Code keys work as on the desk, on incident time (:mod:`bwvtool.ui.incident.coding_bar`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from bwvtool.errors import BwvError
from bwvtool.incidents.library import describe, nudge
from bwvtool.incidents.timeline import Placement
from bwvtool.ui.incident.coding_bar import IncidentCodingBar
from bwvtool.ui.incident.coverage import CoverageBar, Mark, Span
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
    closed = Signal()  # the window closed and its players let go of their clips

    def __init__(self, ws, user: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user = ws, user
        self._asking = True  # whether closing may ask about key presses not saved yet (see shut)
        self.incident_id: str | None = None
        self.entries: list[dict] = []
        self.title = QLabel()
        self.grid = IncidentGrid(self)
        self.grid.install_actions(self)  # Space plays every camera wherever the focus is in this window
        self.coverage = CoverageBar(self)
        self.grid.incidentTimeChanged.connect(self.coverage.set_position)
        self.coverage.seekRequested.connect(self.grid.seek)
        self.coding = IncidentCodingBar(ws, user, self.grid, self)
        self.coding.status.connect(self.status)
        self.coding.install_actions(self)
        self.coding.eventsChanged.connect(self._show_events)
        self.grid.cameraFrameShown.connect(self._mark_camera)
        self.grid.incidentTimeChanged.connect(lambda _ms: self.coding._ensure_coding())
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
        alignment = QWidget()
        alignment_layout = QVBoxLayout(alignment)
        alignment_layout.setContentsMargins(0, 0, 0, 0)
        alignment_layout.addWidget(self.table, 1)
        alignment_layout.addLayout(buttons)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.coding.table, "Events (incident time)")
        self.tabs.addTab(alignment, "Alignment")
        # The grid takes the width (two players side by side need ~1200 px); the palette sits beside the event
        # list under the incident's timeline, where it is always in view while coding.
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.tabs)
        bottom.addWidget(self.coding)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        below = QWidget()
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.coverage)
        below_layout.addWidget(bottom, 1)
        work = QSplitter(Qt.Orientation.Vertical)
        work.addWidget(self.grid)
        work.addWidget(below)
        work.setStretchFactor(0, 3)
        work.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(work, 1)

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

    def shut(self, *, ask: bool = True) -> bool:
        """Close as the app quits: True once closed. ``ask=False`` (SIGTERM: nobody is there to answer) drops
        key presses still waiting after their last chance instead of asking."""
        self._asking = ask
        try:
            return self.close()
        finally:
            self._asking = True

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt)
        """Closing never drops a waiting key press silently: a last chance to save, then the reviewer decides.
        Closed, the players stop and let go of their clips (each one's decoding threads end with it)."""
        edits = self.coding.edits
        if len(edits):
            edits.retry(wait_ms=3000)
        if len(edits):
            if self._asking and QMessageBox.warning(
                self, "Key presses not saved yet",
                f"{len(edits)} key press(es) not saved yet ({edits.reason}).\n\n"
                "Keep the window open until they are saved, or close it and lose them?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            ) != QMessageBox.StandardButton.Discard:  # fmt: skip
                event.ignore()
                return
            edits.discard()
        self.grid.close_all()
        super().closeEvent(event)
        self.closed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt)
        if not self.coding.handle_key(event):
            super().keyPressEvent(event)

    def _show_events(self) -> None:
        """The events on the incident's timeline and on every camera's picture."""
        colours = {}
        if self.coding.codebook is not None:
            colours = {
                c.id: self.coding.codebook.track(c.track).colour or "#e6a23c"
                for c in self.coding.codebook.codes
            }
        end = self.coverage.end_ms
        self.coverage.set_marks(
            [
                Mark(
                    e["onset_incident_ms"],
                    None if not self.coding.is_state(e["code"]) else (e["offset_incident_ms"] or end),
                    e["code"],
                    colours.get(e["code"], "#e6a23c"),
                )
                for e in self.coding.events
            ]
        )
        for index in range(len(self.grid.tiles)):
            self._mark_camera(index)

    def _mark_camera(self, index: int) -> None:
        """Over camera ``index``: the events coded at the frame it shows (points on exactly that frame, states
        running then), wherever they were coded."""
        if not 0 <= index < len(self.grid.tiles):
            return
        tile = self.grid.tiles[index]
        frame, _ms = tile.player.current_frame()
        times = tile.player.engine.times
        shown = []
        if frame >= 0 and times is not None:
            place = tile.camera.placement
            # This frame is on screen from its own incident time until the next frame's.
            shown_from = place.frame_incident_ms(frame, times)
            shown_until = (
                place.frame_incident_ms(frame + 1, times) if frame + 1 < len(times) else float("inf")
            )
            for event in self.coding.events:
                at, end = event["onset_incident_ms"], event["offset_incident_ms"]
                if self.coding.is_state(event["code"]):
                    hit = at < shown_until and (end is None or end > shown_from)
                else:
                    hit = tile.camera.placement.frame_at(at, times) == frame
                if hit:
                    where = (
                        "" if event["clip_id"] == tile.camera.clip_id else f" (coded on {event['clip_id']})"
                    )
                    shown.append(f"{'▬' if self.coding.is_state(event['code']) else '◆'} "
                                 f"{self.coding.label_of(event['code'])}{where}")  # fmt: skip
        tile.show_marks("   ".join(shown))

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
