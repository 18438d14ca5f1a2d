"""Two to four cameras of one incident, side by side and in step on the incident clock.

One camera is the **main** one: its sound plays (the others are muted) and its clock drives the rest. Whenever
the main camera shows a new frame, every other camera is brought to the frame it shows at that incident time
(:meth:`~bwvtool.incidents.timeline.Placement.frame_at`): exactly when paused, stepping or seeking; while
playing, only when it has slipped by more than one frame (a seek mid-play costs a stutter). A camera that is not
filming at that moment holds its first or last frame under a "not filming" banner, paused; playing, it starts when
the incident time reaches its first frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from bwvtool.incidents.timeline import Placement
from bwvtool.ui.player import PlayerWidget
from bwvtool.ui.player.actions import SPECS

MAX_CAMERAS = 4


@dataclass(frozen=True)
class Camera:
    clip_id: str
    path: Path
    placement: Placement
    sha256: str | None = None


class _Tile(QWidget):
    """One camera: a caption over its player."""

    def __init__(self, camera: Camera, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.camera = camera
        self.caption = QLabel(camera.clip_id)
        # The events coded at the frame this camera shows (whichever camera they were coded on).
        self.marks = QLabel()
        self.marks.setObjectName("incidentMarks")
        self.marks.setStyleSheet("background: #fff4d6; color: #20242b; padding: 1px 4px;")
        self.marks.hide()
        self.player = PlayerWidget(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.caption)
        layout.addWidget(self.marks)
        layout.addWidget(self.player, 1)

    def show_marks(self, text: str) -> None:
        self.marks.setText(text)
        self.marks.setVisible(bool(text))


class IncidentGrid(QWidget):
    """Players for up to :data:`MAX_CAMERAS` cameras, kept in step (see the module docstring).

    Signals: ``incidentTimeChanged(float ms)`` when the main camera shows a new frame; ``mainChanged(str clip)``.
    """

    incidentTimeChanged = Signal(float)
    mainChanged = Signal(str)
    cameraFrameShown = Signal(int)  # a camera (its tile's index) shows a new frame

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles: list[_Tile] = []
        self.main = 0
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._actions = self._build_actions()

    def _build_actions(self) -> dict[str, QAction]:
        # The player's own keys for these (Space; Left and ","; Right and ".") move every camera here.
        keys = {
            "play": ("Play / pause all", "play_pause", self.toggle_play),
            "next_frame": ("Next frame (all)", "step_forward", lambda: self.step(1)),
            "previous_frame": ("Previous frame (all)", "step_back", lambda: self.step(-1)),
        }
        player_keys = {spec.name: spec.keys for spec in SPECS}
        self._taken = tuple(player_action for _text, player_action, _slot in keys.values())
        actions = {}
        for name, (text, player_action, slot) in keys.items():
            action = QAction(text, self)
            action.setShortcuts([QKeySequence(key) for key in player_keys[player_action]])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            actions[name] = action
        for number in range(1, MAX_CAMERAS + 1):
            action = QAction(f"Camera {number} main (its sound)", self)
            action.setShortcut(QKeySequence(f"Alt+{number}"))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _=False, i=number - 1: self.set_main(i))
            actions[f"main_{number}"] = action
        self.addActions(list(actions.values()))
        return actions

    def install_actions(self, window: QWidget) -> None:
        """Make the grid's keys work anywhere in ``window`` (its timeline, tables, palette), not only on the grid."""
        window.addActions(list(self._actions.values()))

    # -- opening ------------------------------------------------------------------------------------------------

    def open(self, cameras: list[Camera]) -> None:
        """Show ``cameras`` (the first :data:`MAX_CAMERAS`), the first one main, all at incident time 0."""
        self.close_all()
        for number, camera in enumerate(cameras[:MAX_CAMERAS]):
            tile = _Tile(camera, self)
            self._layout.addWidget(tile, number // 2, number % 2)
            # A camera's own play and step keys would move that camera alone, and two actions on one key are
            # ambiguous to Qt, which then runs neither: the grid's actions take those keys for every camera.
            tile.player.release_keys(*self._taken)
            # Its buttons, scrub bar, speed menu and picture move the incident too, never this camera alone.
            tile.player.hand_over(
                {
                    "play_pause": self.toggle_play,
                    "step_back": lambda: self.step(-1),
                    "step_forward": lambda: self.step(1),
                    "back_1s": lambda: self.jump(-1000),
                    "forward_1s": lambda: self.jump(1000),
                    "back_5s": lambda: self.jump(-5000),
                    "forward_5s": lambda: self.jump(5000),
                    "faster": lambda: self.change_rate(faster=True),
                    "slower": lambda: self.change_rate(faster=False),
                },
                seek_frame=lambda index, t=tile: self.seek_camera_frame(t, index),
                set_rate=self.set_rate,
            )
            tile.player.frameShown.connect(lambda index, ms, t=tile: self._on_frame(t, index, ms))
            tile.player.durationKnown.connect(lambda _ms, _frames, t=tile: self._catch_up(t))
            tile.player.open_clip(camera.path, camera.sha256)
            self.tiles.append(tile)
        self.set_main(0)

    def close_all(self) -> None:
        for tile in self.tiles:
            tile.player.close_clip()
            tile.setParent(None)
            tile.deleteLater()
        self.tiles = []

    # -- the main camera ----------------------------------------------------------------------------------------

    @property
    def main_tile(self) -> _Tile | None:
        return self.tiles[self.main] if self.tiles else None

    def set_main(self, index: int) -> None:
        """Make camera ``index`` the main one: its sound on, the others' off."""
        if not 0 <= index < len(self.tiles):
            return
        self.main = index
        for number, tile in enumerate(self.tiles):
            tile.player.engine.audio_output.setMuted(number != index)
            tile.player.say_no_sound(number == index)  # said once, over the camera whose sound would play
            marker = "▶ main, sound" if number == index else "muted"
            tile.caption.setText(f"{number + 1}. {tile.camera.clip_id} — {marker}")
        self.mainChanged.emit(self.tiles[index].camera.clip_id)

    def incident_ms(self) -> float | None:
        """Incident time of the frame on the main camera's screen (None before it is known)."""
        tile = self.main_tile
        if tile is None:
            return None
        index, ms = tile.player.current_frame()
        times = tile.player.engine.times
        if index < 0 or times is None:
            return None
        return tile.camera.placement.frame_incident_ms(index, times)

    # -- transport ----------------------------------------------------------------------------------------------

    @property
    def playing(self) -> bool:
        tile = self.main_tile
        return tile is not None and tile.player.engine.is_playing

    def toggle_play(self) -> None:
        if self.main_tile is None:
            return
        if self.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        """Play every camera filming now; one that has not started yet (or has stopped) holds its frame until
        the incident time reaches it (:meth:`_show_at`)."""
        at = self.incident_ms()
        for tile in self.tiles:
            if tile is self.main_tile or at is None or self._filming(tile, at):
                tile.player.play()

    def pause(self) -> None:
        for tile in self.tiles:
            tile.player.pause()
        self._follow(playing=False)

    def step(self, frames: int) -> None:
        """Step the main camera; the others follow to their frame at its new time."""
        for tile in self.tiles:
            tile.player.pause()
        if self.main_tile is not None:
            self.main_tile.player.step(frames)

    def seek(self, incident_ms: float) -> None:
        """Show the main camera's frame at ``incident_ms`` and every other camera's frame at the moment that frame
        came on screen (paused), so the grid is in step whether or not the main camera's picture changes."""
        main = self.main_tile
        for tile in self.tiles:
            tile.player.pause()
        if main is None:
            return
        times = main.player.engine.times
        index = main.camera.placement.frame_at(incident_ms, times) if times is not None else None
        at = incident_ms if index is None else main.camera.placement.frame_incident_ms(index, times)
        for tile in self.tiles:
            self._show_at(tile, at if tile is not main else incident_ms)

    def jump(self, ms: float) -> None:
        """Move the incident ``ms`` on (or back), still playing if it was."""
        at = self.incident_ms()
        if at is None:
            return
        playing = self.playing
        self.seek(max(at + ms, 0.0))
        if playing:
            self.play()

    def seek_camera_frame(self, tile: _Tile, index: int) -> None:
        """Seek every camera to the incident time of ``tile``'s frame ``index`` (its scrub bar)."""
        times = tile.player.engine.times
        if times is not None and 0 <= index < len(times):
            self.seek(tile.camera.placement.frame_incident_ms(index, times))

    def set_rate(self, rate: float) -> None:
        for tile in self.tiles:
            tile.player.set_rate(rate)

    def change_rate(self, faster: bool) -> None:
        main = self.main_tile
        if main is not None:
            (main.player.engine.faster if faster else main.player.engine.slower)()
            self.set_rate(main.player.engine.rate)

    # -- keeping in step ----------------------------------------------------------------------------------------

    def _on_frame(self, tile: _Tile, index: int, _ms: int) -> None:
        if index >= 0 and tile in self.tiles:
            self.cameraFrameShown.emit(self.tiles.index(tile))
        if tile is not self.main_tile or index < 0:
            return
        self._follow(playing=tile.player.engine.is_playing)
        at = self.incident_ms()
        if at is not None:
            self.incidentTimeChanged.emit(at)

    def _follow(self, *, playing: bool) -> None:
        """Bring every other camera to the main camera's incident time: exactly when paused; while playing, only
        a camera more than a frame off, and a camera whose footage starts now starts playing with the rest."""
        at = self.incident_ms()
        if at is None:
            return
        for tile in self.tiles:
            if tile is not self.main_tile:
                self._show_at(tile, at, tolerance=1 if playing else 0, play=playing)

    def _catch_up(self, tile: _Tile) -> None:
        """A camera's frame times are read in the background: one that knows them only after the main camera has
        shown its frame is brought to the incident time then (else it would wait for the main camera's next frame,
        which never comes while paused)."""
        at = self.incident_ms()
        if at is not None and tile in self.tiles and tile is not self.main_tile:
            self._show_at(tile, at, tolerance=1 if self.playing else 0, play=self.playing)

    @staticmethod
    def _filming(tile: _Tile, incident_ms: float) -> bool:
        times = tile.player.engine.times
        return times is not None and tile.camera.placement.frame_at(incident_ms, times) is not None

    def _show_at(self, tile: _Tile, incident_ms: float, tolerance: int = 0, *, play: bool = False) -> None:
        player, place = tile.player, tile.camera.placement
        times = player.engine.times
        if times is None or len(times) == 0:
            return
        target = place.frame_at(incident_ms, times)
        if target is None:  # not filming: hold the nearest end
            player.pause()
            before = place.camera_ms(incident_ms) < 0
            banner = "not filming yet" if before else "stopped filming"
            target = 0 if before else len(times) - 1
        else:
            banner = None
        player.view.set_banner(banner)
        # Compare with where the player is heading, not what it shows: a seek still in flight (from an earlier,
        # stale moment) would otherwise land after this one and win.
        heading = player.engine.heading_to if player.current_frame()[0] >= 0 else -1
        if heading < 0 or abs(heading - target) > tolerance:
            player.seek_frame(target)
        if play and banner is None and not player.engine.is_playing:
            player.play()  # its footage starts at this moment of the incident: it joins the others

    def frames(self) -> dict[str, int]:
        """Each camera's frame on screen now (-1 while unknown)."""
        return {t.camera.clip_id: t.player.current_frame()[0] for t in self.tiles}
