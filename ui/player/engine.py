"""The player's state and transport logic: QMediaPlayer with sound, a video sink, and exact frame bookkeeping.

No widgets here (napari's split): :class:`PlayerEngine` is a QObject that a view observes through signals and
drives through methods, so tests and the coding view can use it the same way.

What "the frame on screen" means: every picture comes through the :class:`QVideoSink`, and the engine reads
the frame's own start time (``QVideoFrame.startTime()``, µs from the container start) and maps it to a frame
index with the clip's packet timestamps (:mod:`bwvtool.media.frametimes`). ``QMediaPlayer.position()`` is never
used for this: it runs ahead of or behind the picture by up to a few frames.

Qt facts this relies on (measured with Qt 6.12, FFmpeg backend):

* A stopped player delivers no frame on ``setPosition``; a paused one delivers exactly one, so the engine
  pauses before seeking (and on open, to show the first frame).
* A paused seek shows the first frame whose **end** is at or after the position, so seeking to a frame's start
  can show the frame before it. The engine seeks to the middle of the wanted frame instead.
* ``setPlaybackRate`` keeps the pitch (``pitchCompensation`` is available and on by default).
* Negative rates are not supported, so J (reverse shuttle) is emulated by paused seeks back along a wall
  clock: pictures are exact but come as fast as seeks complete (about 5–50 a second), without sound.
* When playback reaches the end the sink receives an empty frame; the engine ignores it so the last picture
  stays.
* The audio output must not be a Python-made object: see :func:`_native_audio_output`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal, Slot
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoFrame, QVideoSink

from bwvtool.errors import BwvError
from bwvtool.media import frametimes
from bwvtool.media.frametimes import FrameTimesCache
from bwvtool.media.probe import MediaInfo
from bwvtool.media.timestamps import FrameTimes
from bwvtool.ui.player.background import Background

SPEEDS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)
SHUTTLE_SPEEDS = (1.0, 2.0, 4.0)
_SEEK_PATIENCE_MS = 1500  # a seek with no picture after this long is given up (the next one may go ahead)
_REVERSE_TICK_MS = 10


@dataclass(frozen=True)
class Loop:
    """An A–B loop in frame indices; ``b`` is the last frame played before jumping back to ``a``."""

    a: int | None = None
    b: int | None = None

    @property
    def active(self) -> bool:
        return self.a is not None and self.b is not None and self.a < self.b


def _native_audio_output(parent: QObject) -> QAudioOutput:
    """A QAudioOutput created by C++ (through QML), not by Python.

    Why: Qt's audio renderer thread connects to the output's signals. When it destroys its renderer (on stop,
    close or a new clip) Qt calls ``disconnectNotify`` on the output while holding a signal-slot lock. For an
    object made in Python that virtual call goes through PySide, which waits for the GIL; the GUI thread holds
    the GIL inside ``QMediaPlayer.stop()`` and waits for the same lock, so the app froze (here: once in 40–90
    open/seek/close cycles, PySide6 6.11 and 6.12). A C++-made output has no Python override to look up.
    """
    from PySide6.QtQml import QQmlComponent, QQmlEngine

    qml = QQmlEngine(parent)
    component = QQmlComponent(qml)
    component.setData(b"import QtMultimedia\nAudioOutput {}", QUrl())
    output = component.create()
    if not isinstance(output, QAudioOutput):  # QtMultimedia's QML module missing: play, with the risk
        return QAudioOutput(parent)
    output.setParent(parent)
    return output


class PlayerEngine(QObject):
    """Plays one clip at a time and knows exactly which frame is on screen.

    Signals:

    * ``frameReady(QVideoFrame)`` — a new picture to paint (never an empty one);
    * ``frameShown(int index, int ms)`` — that picture's frame index and time (whole ms, rounded up into the
      frame); only once the clip's frame times are known;
    * ``positionChanged(int ms)`` — the time of the picture on screen, also before frame times are known;
    * ``durationKnown(int ms, int frames)`` — the video's length and frame count, once probed;
    * ``stateChanged()`` — playing/paused, speed, loop, volume or mute changed;
    * ``error(str)`` — the clip cannot be played (one line for people).
    """

    frameReady = Signal(QVideoFrame)
    frameShown = Signal(int, int)
    positionChanged = Signal(int)
    durationKnown = Signal(int, int)
    stateChanged = Signal()
    error = Signal(str)

    def __init__(self, parent: QObject | None = None, *, cache: FrameTimesCache | None = None) -> None:
        super().__init__(parent)
        self._init_state(cache)
        self._init_player()
        self._connect_signals()

    # -- set-up ---------------------------------------------------------------------------------------------

    def _init_state(self, cache: FrameTimesCache | None) -> None:
        self._cache = cache or FrameTimesCache()
        self._generation = 0  # bumped on every open; late background results for older clips are dropped
        self._path: Path | None = None
        self._info: MediaInfo | None = None
        self._times: FrameTimes | None = None
        self._shown_us: int | None = None  # start time of the picture on screen
        self._shown_index = -1
        self._inflight: int | None = None  # frame a paused seek is fetching
        self._inflight_token = 0
        self._queued: int | None = None  # next frame to fetch once the current seek has delivered
        self._rate = 1.0
        self._reverse: tuple[float, float, float] | None = None  # (speed, start ms, wall clock at start)
        self._loop = Loop()
        self._loop_jumping = False
        self._failed = False

    def _init_player(self) -> None:
        self._player = QMediaPlayer(self)
        self._audio = _native_audio_output(self)
        self._player.setAudioOutput(self._audio)
        self._sink = QVideoSink(self)
        self._player.setVideoSink(self._sink)
        self._reverse_timer = QTimer(self, interval=_REVERSE_TICK_MS)
        self._background = Background(self)

    def _connect_signals(self) -> None:
        self._sink.videoFrameChanged.connect(self._on_frame)
        self._player.errorOccurred.connect(self._on_player_error)
        self._player.mediaStatusChanged.connect(self._on_media_status)
        self._player.playbackStateChanged.connect(self._on_playback_state)
        self._reverse_timer.timeout.connect(self._reverse_tick)

    # -- what is loaded and shown ---------------------------------------------------------------------------

    @property
    def player(self) -> QMediaPlayer:
        return self._player

    @property
    def audio_output(self) -> QAudioOutput:
        return self._audio

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def info(self) -> MediaInfo | None:
        """The clip's probed facts (``None`` until the background probe has finished)."""
        return self._info

    @property
    def times(self) -> FrameTimes | None:
        return self._times

    @property
    def frame_count(self) -> int:
        return len(self._times) if self._times else 0

    @property
    def duration_ms(self) -> int:
        if self._times:
            return round(self._times.end_ms)
        return max(self._player.duration(), 0)

    def current_frame(self) -> tuple[int, int]:
        """``(frame_index, ms)`` of the picture on screen now; ``(-1, ms)`` before frame times are known and
        ``(-1, -1)`` when nothing is shown."""
        if self._shown_us is None:
            return -1, -1
        if self._times is None or self._shown_index < 0:
            return -1, max(round(self._shown_us / 1000), 0)
        return self._shown_index, frametimes.frame_ms(self._times, self._shown_index)

    @property
    def failed(self) -> bool:
        """True when the clip could not be opened or decoded (see :attr:`error`)."""
        return self._failed

    @property
    def is_playing(self) -> bool:
        return self._player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    @property
    def is_reversing(self) -> bool:
        return self._reverse is not None

    @property
    def seeking(self) -> bool:
        """True while a paused seek has not delivered its picture yet."""
        return self._inflight is not None

    @property
    def rate(self) -> float:
        """Forward playback speed (1.0 = real time); reverse shuttle speed is :attr:`reverse_rate`."""
        return self._rate

    @property
    def reverse_rate(self) -> float:
        return self._reverse[0] if self._reverse else 0.0

    @property
    def loop(self) -> Loop:
        return self._loop

    @property
    def loop_jump_pending(self) -> bool:
        """True from the first frame at or past B until playback shows a frame inside the loop again."""
        return self._loop_jumping

    @property
    def volume(self) -> float:
        return self._audio.volume()

    @property
    def muted(self) -> bool:
        return self._audio.isMuted()

    # -- opening --------------------------------------------------------------------------------------------

    def open(self, path: str | Path) -> None:
        """Load ``path`` and show its first frame (paused). Problems arrive as :attr:`error`, never raised."""
        self.close()
        self._path = Path(path)
        generation = self._generation
        if not self._path.is_file():
            self._fail(f"Cannot open {self._path.name}: the file does not exist ({self._path})")
            return
        self._player.setSource(QUrl.fromLocalFile(str(self._path.resolve())))
        self._player.pause()  # a paused player decodes and delivers the first picture
        path, cache = self._path, self._cache
        self._background.run(
            lambda: cache.read(path),
            lambda result, error: self._on_probed(generation, result, error),
            "probe",
        )

    def close(self) -> None:
        """Stop and forget the current clip."""
        self._stop_reverse()
        self._generation += 1
        self._player.stop()
        self._player.setSource(QUrl())
        self._path, self._info, self._times = None, None, None
        self._shown_us, self._shown_index = None, -1
        self._inflight = self._queued = None
        self._loop = Loop()
        self._failed = False
        self.stateChanged.emit()

    def _on_probed(self, generation: int, result: object, error: BaseException | None) -> None:
        """The background probe's answer: the clip's facts and packet timestamps (read without decoding)."""
        if generation != self._generation:
            return  # a clip opened since
        name = self._path.name if self._path else "the clip"
        if error is not None:
            reason = str(error) if isinstance(error, BwvError) else repr(error)
            self._fail(f"Cannot read {name}: {reason.removeprefix(f'{name}: ')}")
            return
        info, times = result
        if times is None:
            self._fail(f"{name}: the file has no video stream")
            return
        self._info, self._times = info, times
        self.durationKnown.emit(self.duration_ms, len(times))
        if self._shown_us is not None:
            self._shown_index = frametimes.frame_of_start(times, self._shown_us)
            self._announce()
        self.stateChanged.emit()

    def _fail(self, message: str) -> None:
        if self._failed:
            return  # Qt and the probe often both notice a bad file: say it once
        self._failed = True
        self._stop_reverse()
        self._player.stop()
        self.error.emit(message)
        self.stateChanged.emit()

    @Slot(QMediaPlayer.Error, str)
    def _on_player_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if self._path is not None and error != QMediaPlayer.Error.NoError:
            self._fail(f"Cannot play {self._path.name}: {message or 'the file cannot be decoded'}")

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.InvalidMedia and self._path is not None:
            self._fail(f"Cannot play {self._path.name}: not a video Qt can decode")
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self.stateChanged.emit()

    @Slot(QMediaPlayer.PlaybackState)
    def _on_playback_state(self, _state: QMediaPlayer.PlaybackState) -> None:
        self.stateChanged.emit()

    # -- pictures -------------------------------------------------------------------------------------------

    @Slot(QVideoFrame)
    def _on_frame(self, frame: QVideoFrame) -> None:
        # A bug here must not pass silently (PySide only prints exceptions from slots): show it to the user.
        try:
            self._take_frame(frame)
        except Exception as exc:
            self.error.emit(f"Player error: {exc}")

    def _take_frame(self, frame: QVideoFrame) -> None:
        if not frame.isValid() or self._path is None:
            return  # end of stream (or a late frame after close): keep the last picture
        self._shown_us = frame.startTime()
        if self._times is not None:
            self._shown_index = frametimes.frame_of_start(self._times, self._shown_us)
        self.frameReady.emit(frame)
        self._announce()
        if self._inflight is not None and not self.is_playing:
            self._inflight = None
            queued, self._queued = self._queued, None
            if queued is not None and queued != self._shown_index:
                self._request(queued)
        self._keep_in_loop()

    def _keep_in_loop(self) -> None:
        """Playing past B jumps back to A (once: pictures already decoded past B may still arrive)."""
        loop = self._loop
        if not (self.is_playing and loop.active and self._times is not None):
            return
        if self._shown_index < loop.b:
            self._loop_jumping = False
        elif not self._loop_jumping:
            self._loop_jumping = True
            self._player.setPosition(frametimes.seek_ms(self._times, loop.a))

    def _announce(self) -> None:
        index, ms = self.current_frame()
        self.positionChanged.emit(ms)
        if index >= 0:
            self.frameShown.emit(index, ms)

    # -- moving around --------------------------------------------------------------------------------------

    def seek_frame(self, index: int) -> None:
        """Show frame ``index`` (clamped to the clip). Paused: exactly that frame; playing: playback goes on
        from there. Seeks requested while one is in flight are merged: only the latest is fetched next."""
        if self._times is None or self._failed:
            return
        index = min(max(index, 0), len(self._times) - 1)
        if self.is_playing:
            self._player.setPosition(frametimes.seek_ms(self._times, index))
            return
        if self._inflight is not None:
            self._queued = index
            return
        self._request(index)

    def seek_time(self, ms: float) -> None:
        """Show the frame on screen at ``ms`` (from the clip start; clamped to the clip)."""
        if self._times is not None:
            self.seek_frame(frametimes.frame_at(self._times, ms))

    def _request(self, index: int) -> None:
        """Fetch ``index`` with a paused seek (the only kind that delivers exactly one, exact, picture)."""
        assert self._times is not None
        if self._player.playbackState() == QMediaPlayer.PlaybackState.StoppedState:
            self._player.pause()  # a stopped player would deliver nothing
        self._inflight = index
        self._inflight_token += 1
        token = self._inflight_token
        self._player.setPosition(frametimes.seek_ms(self._times, index))
        QTimer.singleShot(_SEEK_PATIENCE_MS, lambda: self._seek_overdue(token))

    def _seek_overdue(self, token: int) -> None:
        if token == self._inflight_token and self._inflight is not None:
            self._inflight = None
            queued, self._queued = self._queued, None
            if queued is not None:
                self._request(queued)

    @property
    def heading_to(self) -> int:
        """The frame the player will show once pending seeks are done (for players kept in step)."""
        return self._target()

    def _target(self) -> int:
        """The frame the user is heading to: the newest pending seek, else the frame on screen."""
        for index in (self._queued, self._inflight):
            if index is not None:
                return index
        return max(self._shown_index, 0)

    def step(self, frames: int) -> None:
        """Pause and move ``frames`` frames forward (negative: back) from the frame on screen (or the frame a
        pending seek is heading to, so five quick presses move five frames)."""
        if self._times is None:
            return
        self._stop_reverse()
        if self.is_playing:
            self._player.pause()
            self._queued = self._inflight = None
        self.seek_frame(self._target() + frames)

    def jump(self, ms: float) -> None:
        """Move by ``ms`` milliseconds from the frame on screen (negative: back), landing on a whole frame."""
        if self._times is None:
            return
        self.seek_frame(frametimes.frame_after(self._times, self._target(), ms))

    # -- playing --------------------------------------------------------------------------------------------

    def play(self) -> None:
        """Play forward at :attr:`rate` (from the start if the last frame is on screen)."""
        if self._failed or self._path is None:
            return
        self._stop_reverse()
        self._inflight = self._queued = None
        if self._times is not None and self._shown_index >= len(self._times) - 1:
            self._player.pause()
            self._player.setPosition(0)
        self._player.setPlaybackRate(self._rate)
        self._player.play()

    def pause(self) -> None:
        """Stop on the frame on screen (forward or reverse)."""
        self._stop_reverse()
        if self.is_playing:
            self._player.pause()
        self.stateChanged.emit()

    def toggle_play(self) -> None:
        if self.is_playing or self.is_reversing:
            self.pause()
        else:
            self.play()

    def set_rate(self, rate: float) -> None:
        """Forward speed, clamped to 0.25×–4×; applies at once if playing. Pitch is kept (Qt's pitch
        compensation)."""
        self._rate = min(max(rate, SPEEDS[0]), SPEEDS[-1])
        self._player.setPlaybackRate(self._rate)
        self.stateChanged.emit()

    def faster(self) -> None:
        self.set_rate(next((s for s in SPEEDS if s > self._rate + 1e-9), SPEEDS[-1]))

    def slower(self) -> None:
        self.set_rate(next((s for s in reversed(SPEEDS) if s < self._rate - 1e-9), SPEEDS[0]))

    def shuttle_forward(self) -> None:
        """L: play forward at 1×; pressed again while playing, 2× then 4×."""
        if self.is_playing:
            self.set_rate(next((s for s in SHUTTLE_SPEEDS if s > self._rate + 1e-9), SHUTTLE_SPEEDS[-1]))
            return
        self.set_rate(1.0)
        self.play()

    def shuttle_reverse(self) -> None:
        """J: play backward at 1×; pressed again, 2× then 4× (emulated with exact paused seeks, no sound)."""
        if self._times is None or self._failed:
            return
        if self._reverse is not None:
            speed = next((s for s in SHUTTLE_SPEEDS if s > self._reverse[0]), SHUTTLE_SPEEDS[-1])
        else:
            speed = 1.0
            if self.is_playing:
                self._player.pause()
        start_ms = float(self._times.seconds(self._target()) * 1000)
        self._reverse = (speed, start_ms, time.monotonic())
        self._reverse_timer.start()
        self.stateChanged.emit()

    def shuttle_stop(self) -> None:
        """K: stop (forward or reverse) on the frame on screen."""
        self.pause()

    def _stop_reverse(self) -> None:
        if self._reverse is not None:
            self._reverse = None
            self._reverse_timer.stop()
            self.stateChanged.emit()

    def _reverse_tick(self) -> None:
        if self._reverse is None or self._times is None:
            self._stop_reverse()
            return
        if self._inflight is not None:
            return  # one seek at a time; the clock keeps running, so slow seeks skip frames, not time
        speed, start_ms, started = self._reverse
        target_ms = start_ms - (time.monotonic() - started) * 1000 * speed
        index = frametimes.frame_at(self._times, target_ms)
        if index != self._shown_index:
            self._request(index)
        elif index == 0:
            self._stop_reverse()

    # -- loop and sound -------------------------------------------------------------------------------------

    def set_loop_a(self) -> None:
        """[: the frame on screen starts the loop (a B before it is dropped)."""
        index = self._target()
        self._loop = Loop(index, self._loop.b if self._loop.b is not None and self._loop.b > index else None)
        self.stateChanged.emit()

    def set_loop_b(self) -> None:
        """]: the frame on screen ends the loop (an A after it is dropped)."""
        index = self._target()
        self._loop = Loop(self._loop.a if self._loop.a is not None and self._loop.a < index else None, index)
        self.stateChanged.emit()

    def set_loop(self, a: int | None, b: int | None) -> None:
        self._loop = Loop(a, b)
        self.stateChanged.emit()

    def clear_loop(self) -> None:
        self.set_loop(None, None)

    def set_volume(self, volume: float) -> None:
        """Volume from 0.0 to 1.0 (linear)."""
        self._audio.setVolume(min(max(volume, 0.0), 1.0))
        self.stateChanged.emit()

    def toggle_mute(self) -> None:
        self._audio.setMuted(not self._audio.isMuted())
        self.stateChanged.emit()
