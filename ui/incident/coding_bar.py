"""Coding in the incident window: a point code at the moment on screen, coded on the main camera, and the
incident's events with the frame every camera shows at each (``bwvtool incident code`` and ``incident events``)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.errors import BwvError
from bwvtool.incidents.coding import code_on_incident, incident_events, point_codes
from bwvtool.ui.incident.grid import IncidentGrid

_COLUMNS = ("Incident time", "Code", "Coded on", "Every camera")


class IncidentCodingBar(QWidget):
    status = Signal(str)

    def __init__(self, ws, user: str, grid: IncidentGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user, self.grid = ws, user, grid
        self.incident_id: str | None = None
        self.events: list[dict] = []
        self.codebook = QComboBox()
        self.code = QComboBox()
        self.button = QPushButton("Code on the main camera")
        self.button.setToolTip(
            "Record the chosen code at the frame the main camera shows (its time and frame)"
        )
        self.button.clicked.connect(self.code_here)
        self.codebook.currentIndexChanged.connect(self._fill_codes)
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        row = QHBoxLayout()
        row.addWidget(QLabel("Codebook"))
        row.addWidget(self.codebook)
        row.addWidget(self.code, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.table)
        self._codes: dict[str, list[tuple[str, str]]] = {}

    def load(self, incident_id: str) -> None:
        self.incident_id = incident_id
        self._codes = self.ws.call(point_codes)
        self.codebook.clear()
        self.codebook.addItems(list(self._codes))
        self.refresh()

    def _fill_codes(self) -> None:
        self.code.clear()
        for code_id, label in self._codes.get(self.codebook.currentText(), []):
            self.code.addItem(f"{label} ({code_id})", code_id)

    def moment(self) -> float | None:
        """Incident time of the main camera's frame on screen (when it came on screen)."""
        return self.grid.incident_ms()

    def code_here(self) -> dict | None:
        at, code = self.moment(), self.code.currentData()
        if at is None or code is None or self.incident_id is None:
            self.status.emit("Nothing to code: open an incident and choose a code")
            return None
        camera = self.grid.main_tile.camera.clip_id
        try:
            event = self.ws.call(
                code_on_incident, self.incident_id, camera=camera, coder=self.user, code=code, at_ms=at,
                codebook_key=self.codebook.currentText(),
            )  # fmt: skip
        except BwvError as exc:
            self.status.emit(str(exc))
            return None
        self.refresh()
        self.status.emit(f"Saved {code} on {camera} frame {event.onset_frame} ✓")
        return next(e for e in self.events if e["event_id"] == event.id)

    def refresh(self) -> None:
        """List the incident's events with each camera's frame at each (from the players' frame times)."""
        self.events = self.ws.call(incident_events, self.incident_id)
        self.table.setRowCount(len(self.events))
        for row, event in enumerate(self.events):
            at = event["onset_incident_ms"]
            event["frames"] = {}
            for tile in self.grid.tiles:
                times = tile.player.engine.times
                frame = tile.camera.placement.frame_at(at, times) if times is not None else None
                event["frames"][tile.camera.clip_id] = frame
            cells = [
                f"{at / 1000:.3f} s",
                event["code"],
                f"{event['clip_id']} #{event['onset_frame']}",
                "  ".join(f"{c} #{'–' if f is None else f}" for c, f in event["frames"].items()),
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
