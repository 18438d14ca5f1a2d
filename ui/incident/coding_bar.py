"""Coding in the incident window, as on the desk but on incident time: every code key of the codebook (point codes,
states started and ended by their key, a digit first for another actor), Ctrl+Z / Ctrl+Shift+Z, the code palette;
each key press lands on the main camera at the frame it shows (a running state ends on the camera it was started
on, at that camera's frame then: :class:`~bwvtool.incidents.session.IncidentCoding`). Below, the incident's events
(as blind double coding lets this reviewer see them) with the frame every camera shows at each."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bwvtool.codebook.model import Codebook
from bwvtool.coding.actors import ActorChooser, actor_label
from bwvtool.errors import BwvError
from bwvtool.incidents.coding import incident_events
from bwvtool.incidents.session import IncidentCoding, codebooks_for
from bwvtool.media import frametimes
from bwvtool.ui.desk.history import step_text
from bwvtool.ui.desk.modifier_prompt import ModifierPrompt
from bwvtool.ui.desk.palette import CodePalette
from bwvtool.ui.desk.pending import PendingEdits, waiting_text
from bwvtool.ui.incident.grid import IncidentGrid

_COLUMNS = ("Incident time", "Code", "Actor", "Coder", "Coded on", "Every camera")


class IncidentCodingBar(QWidget):
    """The codebook, the palette and the event list; :meth:`handle_key` is the window's key press."""

    status = Signal(str)
    eventsChanged = Signal()

    def __init__(self, ws, user: str, grid: IncidentGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.user, self.grid = ws, user, grid
        self.incident_id: str | None = None
        self.coding: IncidentCoding | None = None
        self.codebook: Codebook | None = None
        self.events: list[dict] = []
        self.actors = ActorChooser()
        self.codebook_box = QComboBox()
        self.codebook_box.setToolTip("The codebook this incident is coded with (every camera the same)")
        self.codebook_box.currentIndexChanged.connect(self._codebook_chosen)
        self.palette = CodePalette()
        self.palette.actor_hint.setWordWrap(True)
        self.palette.codeClicked.connect(self.record)
        self.table = QTableWidget(0, len(_COLUMNS), self)
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellDoubleClicked.connect(
            lambda row, _c: self.grid.seek(self.events[row]["onset_incident_ms"])
        )
        top = QHBoxLayout()
        top.addWidget(QLabel("Codebook"))
        top.addWidget(self.codebook_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.palette, 1)
        self.actions_by_name: dict[str, QAction] = {}
        # As on the desk: a busy workspace keeps key presses waiting, in order, and saves them when it frees.
        self.edits = PendingEdits(self)
        self.edits.changed.connect(self._edits_waiting)
        self.edits.failed.connect(lambda message: self.status.emit(f"Not recorded: {message}"))

    def install_actions(self, window: QWidget) -> None:
        """Undo and redo as the window's keys (the desk's)."""
        for name, text, key, slot in (
            ("undo", "Undo", QKeySequence.StandardKey.Undo, self.undo),
            ("redo", "Redo", QKeySequence("Ctrl+Shift+Z"), self.redo),
        ):
            action = QAction(text, window)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            window.addAction(action)
            self.actions_by_name[name] = action

    # -- opening ------------------------------------------------------------------------------------------------
    def load(self, incident_id: str) -> None:
        self.incident_id = incident_id
        keys, default = self.ws.call(codebooks_for, incident_id, self.user)
        self.codebook_box.blockSignals(True)
        self.codebook_box.clear()
        self.codebook_box.addItems(keys)
        if default is not None:
            self.codebook_box.setCurrentText(default)
            self.codebook_box.setEnabled(False)  # the coding has begun (or its sample decides): it stays
        self.codebook_box.blockSignals(False)
        self.coding = None
        self.refresh(audit=True)

    def _codebook_chosen(self, _index: int) -> None:
        self.coding = None
        self._ensure_coding()

    def _ensure_coding(self) -> IncidentCoding | None:
        """The coder's coding of the incident, opened once every camera's frame times are known."""
        key = self.codebook_box.currentText()
        if self.incident_id is None or not key or not self.grid.tiles:
            return None
        times = {t.camera.clip_id: t.player.engine.times for t in self.grid.tiles}
        if any(v is None for v in times.values()):
            return None
        if self.coding is None or self.coding.key != key:
            places = {t.camera.clip_id: t.camera.placement for t in self.grid.tiles}
            try:
                self.coding = IncidentCoding(self.ws, self.incident_id, self.user, key, places, times)
            except BwvError as exc:
                self.status.emit(str(exc))
                return None
            self.codebook = self.coding.codebook
            if self.codebook is not None:
                self.palette.set_codebook(self.codebook)
            self.coding.placements = places
            self.refresh()  # every camera's frame at each event, now that their frame times are known
        # A nudge moves a camera: code with where the grid shows it now.
        self.coding.placements = {t.camera.clip_id: t.camera.placement for t in self.grid.tiles}
        return self.coding

    # -- keys ---------------------------------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent) -> bool:
        """The desk's coding keys: a digit picks the actor's number, Esc clears it, a code's key records it."""
        text = event.text()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return False
        if text.isdigit():
            self.actors.press_digit(int(text))
            self.palette.show_pending(self.actors.pending)
            return True
        if event.key() == Qt.Key.Key_Escape:
            self.actors.clear()
            self.palette.show_pending(None)
            return True
        coding = self._ensure_coding()
        if text and coding is not None and self.codebook is not None:
            code = self.codebook.code_for_shortcut(text)
            if code is not None:
                self.record(code.id)
                return True
        return False

    def record(self, code_id: str) -> dict | None:
        """Record ``code_id`` on the main camera at the frame on screen (see the module docstring); the event as
        listed (with every camera's frame), or None when nothing was recorded (the status bar says why)."""
        coding = self._ensure_coding()
        main = self.grid.main_tile
        at = self.grid.incident_ms()
        if coding is None or self.codebook is None or main is None or at is None:
            self.status.emit("Not recorded: the cameras' frame times are still being read")
            return None
        code = self.codebook.code(code_id)
        actor = self.actors.resolve(code)
        self.palette.show_pending(None)
        modifiers: dict = {}
        running = [e for e in coding.running() if e.code == code.id and e.actor == actor]
        if code.modifiers and not (code.is_state and running):
            self.grid.pause()
            prompt = ModifierPrompt(code, actor_label(actor), frametimes.format_clock(at), self)
            if not prompt.exec():
                self.status.emit(f"{code.label}: cancelled")
                return None
            modifiers = prompt.values()
        camera = main.camera.clip_id

        def attempt(wait_ms: int):
            coding.wait_at_most(wait_ms)
            return coding.press(code.id, camera=camera, incident_ms=at, actor=actor, modifiers=modifiers)

        event = self.edits.submit(f"{code.label} at {frametimes.format_clock(at)}", attempt)
        if event is None:  # refused (said by edits.failed) or waiting for a busy workspace (edits.changed)
            return None
        self.refresh()
        self.status.emit(
            f"Saved ✓ {code.label} ({actor_label(actor)}) on {event.clip_id} frame {event.onset_frame}"
        )
        return next((e for e in self.events if e["event_id"] == event.id), None)

    def undo(self) -> None:
        self._history(True)

    def redo(self) -> None:
        self._history(False)

    def _history(self, undo: bool) -> None:
        if self.coding is None:
            self.status.emit("Nothing to undo" if undo else "Nothing to redo")
            return
        coding = self.coding

        def attempt(wait_ms: int) -> None:
            coding.wait_at_most(wait_ms)
            label = coding.undo() if undo else coding.redo()
            self.refresh()
            word = "Undone" if undo else "Redone"
            said = step_text(label, self.codebook) if label else ""
            self.status.emit(f"{word}: {said}" if label else f"Nothing to {'undo' if undo else 'redo'}")

        self.edits.submit("undo" if undo else "redo", attempt)

    def _edits_waiting(self, count: int, reason: str) -> None:
        if count:
            self.status.emit(waiting_text(count, "key press", reason, "key presses"))
        else:
            self.refresh()
            self.status.emit("Saved ✓ every waiting key press")

    # -- showing ------------------------------------------------------------------------------------------------
    def _show_running(self) -> None:
        if self.coding is not None:
            self.palette.show_running({e.code for e in self.coding.running()})

    def label_of(self, code_id: str) -> str:
        try:
            return self.codebook.code(code_id).label if self.codebook is not None else code_id
        except KeyError:
            return code_id

    def refresh(self, *, audit: bool = False) -> None:
        """List the incident's events this reviewer may see, each with every camera's frame at it (from the
        players' frame times). ``audit``: record the look at other coders' events (on opening, not per key)."""
        self.events = self.ws.call(incident_events, self.incident_id, self.user, audit=audit)
        self.table.setRowCount(len(self.events))
        for row, event in enumerate(self.events):
            at = event["onset_incident_ms"]
            event["frames"] = {}
            for tile in self.grid.tiles:
                times = tile.player.engine.times
                frame = tile.camera.placement.frame_at(at, times) if times is not None else None
                event["frames"][tile.camera.clip_id] = frame
            end = event["offset_incident_ms"]
            span = f"{at / 1000:.3f} s" + (f" – {end / 1000:.3f} s" if end is not None else "")
            if end is None and event["offset_ms"] is None and self.is_state(event["code"]):
                span += " (running)"
            cells = [
                span,
                self.label_of(event["code"]),
                actor_label(event["actor"]),
                event["coder"],
                f"{event['clip_id']} #{event['onset_frame']}",
                "  ".join(f"{c} #{'–' if f is None else f}" for c, f in event["frames"].items()),
            ]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self._show_running()
        self.eventsChanged.emit()

    def is_state(self, code_id: str) -> bool:
        try:
            return self.codebook is not None and self.codebook.code(code_id).is_state
        except KeyError:
            return False
