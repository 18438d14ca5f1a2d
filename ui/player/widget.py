"""PlayerWidget: the frame-accurate player the main window drops into its player area."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QMouseEvent
from PySide6.QtMultimedia import QMediaDevices, QVideoFrame
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bwvtool.media.frametimes import FrameTimesCache
from bwvtool.ui.player.actions import build_actions
from bwvtool.ui.player.engine import PlayerEngine
from bwvtool.ui.player.integrity import IntegrityCheck
from bwvtool.ui.player.transport import TransportBar
from bwvtool.ui.player.view import VideoView

NO_AUDIO_DEVICE = (
    "No sound: this computer has no audio output device (check the headset or the sound settings)"
)


class _Surface(VideoView):
    """The video view; a click focuses the player (so its keys work) and toggles play."""

    clicked = Signal()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()
        super().mousePressEvent(event)


class PlayerWidget(QWidget):
    """Video with sound, an exact time and frame counter, transport controls and keyboard actions.

    Signals:

    * ``frameShown(int frame_index, int ms)`` — a new frame is on screen (ms: its start, rounded up to a
      whole millisecond, from the clip start);
    * ``positionChanged(int ms)`` — the time of the frame on screen (also before frame indices are known);
    * ``durationKnown(int ms, int frames)`` — once the clip's frame times are read (in the background);
    * ``error(str)`` — the clip is missing or cannot be decoded (also shown over the video);
    * ``integrityFailed(str)`` — the file's SHA-256 differs from the one given to :meth:`open_clip` (a red
      banner stays over the video until another clip is opened);
    * ``integrityVerified(str sha256)`` — the file matches.

    Use :meth:`current_frame` to stamp an event with the frame on screen when a key is pressed.
    """

    frameShown = Signal(int, int)
    positionChanged = Signal(int)
    durationKnown = Signal(int, int)
    error = Signal(str)
    integrityFailed = Signal(str)
    integrityVerified = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, cache: FrameTimesCache | None = None) -> None:
        super().__init__(parent)
        self._init_parts(cache)
        self._init_layout()
        self._connect_signals()

    def _init_parts(self, cache: FrameTimesCache | None) -> None:
        self.engine = PlayerEngine(self, cache=cache)
        self.integrity = IntegrityCheck(self)
        self._actions = build_actions(self.engine, self)
        self.addActions(list(self._actions.values()))
        self.view = _Surface(self)
        self.transport = TransportBar(self.engine, self._actions, self)
        # Reviewers find language by ear: a desk with no audio device must say so, not play silently.
        self.sound_note = QLabel(NO_AUDIO_DEVICE, objectName="soundNote", wordWrap=True)
        self.sound_note.setStyleSheet(
            "QLabel#soundNote { background: #7a3b00; color: white; padding: 3px 8px; }"
        )
        self._devices = QMediaDevices(self)
        self._says_no_sound = True  # see say_no_sound
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _init_layout(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.sound_note)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.transport)
        self._show_sound_devices()

    def _connect_signals(self) -> None:
        engine = self.engine
        engine.frameReady.connect(self.view.set_frame)
        engine.frameShown.connect(self.frameShown)
        engine.positionChanged.connect(self.positionChanged)
        engine.durationKnown.connect(self.durationKnown)
        engine.error.connect(self._on_error)
        self.integrity.failed.connect(self._on_integrity_failed)
        self.integrity.verified.connect(self.integrityVerified)
        self._devices.audioOutputsChanged.connect(self._show_sound_devices)
        self.view.clicked.connect(self.setFocus)
        self.view.clicked.connect(self._actions["play_pause"].trigger)

    def _show_sound_devices(self) -> None:
        self.sound_note.setVisible(self._says_no_sound and not QMediaDevices.audioOutputs())

    def say_no_sound(self, say: bool) -> None:
        """Whether this player says "No sound" when there is no audio device (several players side by side say
        it once, over the one whose sound would play)."""
        self._says_no_sound = say
        self._show_sound_devices()

    @property
    def has_sound(self) -> bool:
        """Whether the system offers an audio output device (else the player says so above the video)."""
        return bool(QMediaDevices.audioOutputs())

    # -- clips ----------------------------------------------------------------------------------------------

    def open_clip(self, path: str | Path, expected_sha256: str | None = None) -> None:
        """Open ``path`` paused on its first frame; check its SHA-256 against ``expected_sha256`` meanwhile.

        Never raises for a bad file: a missing or undecodable file shows a message and emits :attr:`error`.
        """
        path = Path(path)
        self.view.set_banner(None)
        self.view.clear("Opening…", path.name)
        self.engine.open(path)
        if self.engine.path is not None and path.is_file():
            self.integrity.start(path, expected_sha256)
        else:
            self.integrity.cancel()

    def close_clip(self) -> None:
        self.integrity.cancel()
        self.engine.close()
        self.view.set_banner(None)
        self.view.clear()

    @property
    def integrity_state(self) -> str:
        """``"none"``, ``"checking"``, ``"ok"`` or ``"failed"`` (block coding while ``"failed"``)."""
        return self.integrity.state

    @Slot(str)
    def _on_error(self, message: str) -> None:
        title, _, detail = message.partition(": ")
        self.view.clear(title, detail)
        self.error.emit(message)

    @Slot(str)
    def _on_integrity_failed(self, message: str) -> None:
        self.view.set_banner(message)
        self.integrityFailed.emit(message)

    # -- what is on screen ----------------------------------------------------------------------------------

    def current_frame(self) -> tuple[int, int]:
        """``(frame_index, ms)`` of the frame on screen now. ``frame_index`` is -1 until the clip's frame times
        are known (a few ms to a second after opening); ``(-1, -1)`` when no frame is shown."""
        return self.engine.current_frame()

    def displayed_frame(self) -> QVideoFrame | None:
        """The decoded frame being painted (for tests and frame grabs)."""
        return self.view.frame()

    # -- transport (also reachable through the actions) -----------------------------------------------------

    def play(self) -> None:
        self.engine.play()

    def pause(self) -> None:
        self.engine.pause()

    def toggle_play(self) -> None:
        self.engine.toggle_play()

    def seek_frame(self, index: int) -> None:
        """Show frame ``index`` (exactly, when paused)."""
        self.engine.seek_frame(index)

    def seek_time(self, ms: float) -> None:
        """Show the frame on screen at ``ms`` from the clip start."""
        self.engine.seek_time(ms)

    def step(self, frames: int) -> None:
        self.engine.step(frames)

    def set_rate(self, rate: float) -> None:
        self.engine.set_rate(rate)

    # -- keyboard -------------------------------------------------------------------------------------------

    def transport_actions(self) -> dict[str, QAction]:
        """The player's actions by name (see :mod:`bwvtool.ui.player.actions` for names and keys)."""
        return dict(self._actions)

    def install_actions(
        self, window: QWidget, context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut
    ) -> None:
        """Make the player's keys work anywhere in ``window`` (e.g. the main window), not only when the
        player has focus."""
        for action in self._actions.values():
            action.setShortcutContext(context)
            window.addAction(action)

    def release_keys(self, *names: str) -> None:
        """Give up the keys of the actions ``names`` (a view driving several players owns them instead); the
        transport buttons still run them."""
        for name in names:
            self.removeAction(self._actions[name])

    def hand_over(
        self,
        commands: dict[str, Callable[[], None]],
        *,
        seek_frame: Callable[[int], None],
        set_rate: Callable[[float], None],
    ) -> None:
        """Let a view driving several players run this one's own controls: the actions named in ``commands``
        (their keys and buttons; ``play_pause`` also a click on the picture), the scrub bar (``seek_frame``, with
        the frame dragged to) and the speed menu (``set_rate``) call the view instead of moving this player alone."""
        for name, slot in commands.items():
            action = self._actions[name]
            action.triggered.disconnect()
            action.triggered.connect(lambda _checked=False, run=slot: run())
        self.transport.seek_frame = seek_frame
        self.transport.set_rate = set_rate
