"""The transport bar under the video: scrub bar, time and frame counter, buttons, speed, loop and volume.

It only observes the engine (signals) and calls its methods; it holds no state of its own beyond what it shows.
Nothing here takes keyboard focus, so Space and the arrow keys always reach the player's actions.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, Slot
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QFontDatabase,
    QKeySequence,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSizePolicy,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from bwvtool.media.frametimes import format_clock
from bwvtool.ui.player import icons
from bwvtool.ui.player.engine import SPEEDS, PlayerEngine
from bwvtool.ui.theme import ACCENT, PLAYER_BG, PLAYER_MUTED, PLAYER_TEXT

LOOP_BAND = (120, 160, 230, 230)  # translucent light accent: the played part shows through the loop band

STYLE = f"""
QWidget#transport {{ background: {PLAYER_BG}; }}
QWidget#transport QLabel {{ color: {PLAYER_TEXT}; background: transparent; }}
QWidget#transport QLabel#frameCounter, QWidget#transport QLabel#loopLabel {{ color: {PLAYER_MUTED}; }}
QWidget#transport QToolButton {{
    background: transparent; border: none; border-radius: 4px; padding: 3px; color: {PLAYER_TEXT};
}}
QWidget#transport QToolButton:hover {{ background: #2a2e36; }}
QWidget#transport QToolButton:pressed {{ background: #353a44; }}
QWidget#transport QToolButton#playButton {{ background: #2a2e36; border-radius: 18px; }}
QWidget#transport QToolButton#playButton:hover {{ background: #353a44; }}
QWidget#transport QToolButton#speedButton {{
    border: 1px solid #3a3f49; padding: 2px 8px; font-weight: 600;
}}
QWidget#transport QToolButton#speedButton::menu-indicator {{ image: none; width: 0; }}
QSlider#scrubBar::groove:horizontal {{ height: 4px; background: #3a3f49; border-radius: 2px; }}
QSlider#scrubBar::sub-page:horizontal {{ background: {ACCENT}; border-radius: 2px; }}
QSlider#scrubBar::handle:horizontal {{
    background: {PLAYER_TEXT}; width: 12px; height: 12px; margin: -4px 0; border-radius: 6px;
}}
QSlider#volumeBar::groove:horizontal {{ height: 3px; background: #3a3f49; border-radius: 1px; }}
QSlider#volumeBar::sub-page:horizontal {{ background: {PLAYER_MUTED}; border-radius: 1px; }}
QSlider#volumeBar::handle:horizontal {{
    background: {PLAYER_TEXT}; width: 10px; height: 10px; margin: -4px 0; border-radius: 5px;
}}
"""


def _speed_text(speed: float) -> str:
    return f"{speed:g}×"


class ScrubBar(QSlider):
    """A horizontal frame slider that also marks the A–B loop, as a strip under the groove."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setObjectName("scrubBar")
        self.setMinimumHeight(24)
        self._loop: tuple[int | None, int | None] = (None, None)

    def set_loop(self, a: int | None, b: int | None) -> None:
        self._loop = (a, b)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        a, b = self._loop
        if a is None and b is None:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )
        span = groove.width() - handle.width()

        def x(value: int) -> int:
            position = QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), value, span)
            return groove.left() + handle.width() // 2 + position

        left = x(a if a is not None else b)
        right = x(b if b is not None else a)
        painter = QPainter(self)
        y = groove.center().y() + 7  # a strip under the groove line, clear of the handle
        painter.fillRect(QRect(left, y, max(right - left, 2), 3), QColor(*LOOP_BAND))
        for edge, present in ((left, a is not None), (right, b is not None)):
            if present:
                painter.fillRect(QRect(edge - 1, y - 4, 2, 7), QColor(PLAYER_TEXT))
        painter.end()


class TransportBar(QWidget):
    """Controls for one :class:`PlayerEngine`; ``actions`` are the player's named actions (for tooltips)."""

    def __init__(
        self, engine: PlayerEngine, actions: dict[str, QAction], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._engine = engine
        self._actions = actions
        # What the scrub bar and the speed menu do (a view driving several players replaces them).
        self.seek_frame: Callable[[int], None] = engine.seek_frame
        self.set_rate: Callable[[float], None] = engine.set_rate
        self.setObjectName("transport")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setStyleSheet(STYLE)
        self._init_widgets()
        self._init_layout()
        self._connect_signals()
        self.refresh()

    def _init_widgets(self) -> None:
        self.scrub = ScrubBar()
        self.scrub.setRange(0, 0)
        self.scrub.setPageStep(25)
        self.time_label = QLabel("--:--:--.---", objectName="timeCounter")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(self.font().pointSizeF(), 9) * 1.45)
        mono.setWeight(QFont.Weight.DemiBold)
        self.time_label.setFont(mono)
        self.frame_label = QLabel("frame – / –", objectName="frameCounter")
        small_mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        small_mono.setPointSizeF(max(self.font().pointSizeF(), 9))
        self.frame_label.setFont(small_mono)
        self.back_button = self._button("rewind", "back_5s", 26)
        self.step_back_button = self._button("step_back", "step_back", 26)
        self.play_button = self._button("play", "play_pause", 36, object_name="playButton")
        self.step_forward_button = self._button("step_forward", "step_forward", 26)
        self.forward_button = self._button("fast_forward", "forward_5s", 26)
        self.speed_button = QToolButton(objectName="speedButton")
        self.speed_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.speed_button.setMenu(self._speed_menu())
        self.speed_button.setToolTip(self._tip("Playback speed, pitch kept", "slower", "faster"))
        self.loop_label = QLabel(objectName="loopLabel")
        self.loop_label.setToolTip(self._tip("A–B loop", "loop_a", "loop_b", "loop_clear"))
        self.mute_button = self._button("volume", "mute", 22)
        self.volume = QSlider(Qt.Orientation.Horizontal, objectName="volumeBar")
        self.volume.setRange(0, 100)
        self.volume.setFixedWidth(90)
        self.volume.setToolTip("Volume")
        for widget in (self.scrub, self.volume, self.speed_button):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def _button(self, icon_name: str, action: str, size: int, object_name: str = "") -> QToolButton:
        button = QToolButton(objectName=object_name)
        button.setIcon(icons.icon(icon_name))
        extent = size + (0 if object_name else 6)
        button.setFixedSize(extent, extent)
        button.setIconSize(button.size() * (0.55 if object_name else 0.8))
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setToolTip(self._tip(self._actions[action].text(), action))
        button.clicked.connect(self._actions[action].trigger)
        return button

    def _tip(self, text: str, *names: str) -> str:
        keys = [self._actions[n].shortcut().toString(QKeySequence.SequenceFormat.NativeText) for n in names]
        keys = [k for k in keys if k]
        return f"{text} ({', '.join(keys)})" if keys else text

    def _speed_menu(self) -> QMenu:
        menu = QMenu(self)
        group = QActionGroup(menu)
        for speed in SPEEDS:
            action = menu.addAction(_speed_text(speed))
            action.setCheckable(True)
            action.setData(speed)
            group.addAction(action)
            action.triggered.connect(lambda _checked=False, s=speed: self.set_rate(s))
        self._speed_group = group
        return menu

    def _init_layout(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 6, 12, 8)
        outer.setSpacing(4)
        outer.addWidget(self.scrub)
        row = QHBoxLayout()
        row.setSpacing(6)
        counter = QVBoxLayout()
        counter.setSpacing(0)
        counter.addWidget(self.time_label)
        counter.addWidget(self.frame_label)
        row.addLayout(counter)
        row.addStretch(1)
        for button in (
            self.back_button,
            self.step_back_button,
            self.play_button,
            self.step_forward_button,
            self.forward_button,
        ):
            row.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addStretch(1)
        row.addWidget(self.loop_label)
        row.addSpacing(8)
        row.addWidget(self.speed_button)
        row.addSpacing(8)
        row.addWidget(self.mute_button)
        row.addWidget(self.volume)
        outer.addLayout(row)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _connect_signals(self) -> None:
        engine = self._engine
        engine.frameShown.connect(self._on_frame_shown)
        engine.positionChanged.connect(self._on_position)
        engine.durationKnown.connect(self._on_duration)
        engine.stateChanged.connect(self.refresh)
        self.scrub.valueChanged.connect(self._on_scrub)
        self.volume.valueChanged.connect(lambda value: engine.set_volume(value / 100))

    # -- updates from the engine ----------------------------------------------------------------------------

    @Slot(int, int)
    def _on_frame_shown(self, index: int, _ms: int) -> None:
        total = self._engine.frame_count
        self.frame_label.setText(f"frame {index} / {total}" if total else f"frame {index}")
        if not self.scrub.isSliderDown():
            self.scrub.blockSignals(True)
            self.scrub.setValue(index)
            self.scrub.blockSignals(False)

    @Slot(int)
    def _on_position(self, ms: int) -> None:
        self.time_label.setText(format_clock(ms) if ms >= 0 else "--:--:--.---")

    @Slot(int, int)
    def _on_duration(self, _ms: int, frames: int) -> None:
        self.scrub.blockSignals(True)
        self.scrub.setRange(0, max(frames - 1, 0))
        self.scrub.blockSignals(False)

    @Slot(int)
    def _on_scrub(self, index: int) -> None:
        self.seek_frame(index)

    @Slot()
    def refresh(self) -> None:
        """Redraw everything that depends on the engine's state (not on the frame)."""
        engine = self._engine
        playing = engine.is_playing or engine.is_reversing
        self.play_button.setIcon(icons.icon("pause" if playing else "play"))
        if engine.is_reversing:
            self.speed_button.setText(f"◀ {_speed_text(engine.reverse_rate)}")
        else:
            self.speed_button.setText(_speed_text(engine.rate))
        for action in self._speed_group.actions():
            action.setChecked(abs(action.data() - engine.rate) < 1e-9)
        self.mute_button.setIcon(icons.icon("muted" if engine.muted else "volume"))
        self.volume.blockSignals(True)
        self.volume.setValue(round(engine.volume * 100))
        self.volume.blockSignals(False)
        self.loop_label.setText(self._loop_text())
        self.scrub.set_loop(engine.loop.a, engine.loop.b)
        loaded = engine.path is not None and not engine.failed
        for widget in (
            self.scrub,
            self.back_button,
            self.step_back_button,
            self.play_button,
            self.step_forward_button,
            self.forward_button,
        ):
            widget.setEnabled(loaded)
        if not loaded:
            self.time_label.setText("--:--:--.---")
            self.frame_label.setText("frame – / –")

    def _loop_text(self) -> str:
        loop, times = self._engine.loop, self._engine.times
        if times is None or (loop.a is None and loop.b is None):
            return ""

        def at(index: int | None) -> str:
            return "…" if index is None else format_clock(times.seconds(index) * 1000)

        return f"A {at(loop.a)}  →  B {at(loop.b)}"
