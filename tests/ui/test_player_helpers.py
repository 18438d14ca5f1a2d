"""Shared helpers for the player tests: open a clip, wait for it to settle, read a frame's pixel code.

Not a test module (it holds no tests); the player test files import it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame

from bwvtool.media import framecode

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "sample_media"
MAIN_SAMPLE = SAMPLES / "framecode_720p25.mp4"
WAIT_MS = 15_000  # generous: two shared cores, and other engineers' jobs


def sample_sha256(name: str) -> str:
    clips = json.loads((SAMPLES / "clips.json").read_text("utf-8"))
    return next(c["sha256"] for c in clips if c["name"] == name)


def image_code(image: QImage) -> int | None:
    """The frame index drawn into an upright picture (``None`` if unreadable)."""
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    rows = np.frombuffer(gray.constBits(), np.uint8).reshape(gray.height(), gray.bytesPerLine())
    return framecode.decode(np.ascontiguousarray(rows[:, : gray.width()]))


def frame_code(frame: QVideoFrame | None) -> int | None:
    """The frame index drawn into a decoded frame, read in display orientation (as a viewer sees it)."""
    assert frame is not None and frame.isValid(), "no frame on screen"
    return image_code(frame.toImage())


def open_clip(qtbot, player, path: Path, sha256: str | None = None) -> None:
    """Open ``path`` and wait until its first frame is on screen with a known frame index."""
    player.open_clip(path, sha256)
    qtbot.waitUntil(lambda: player.current_frame()[0] >= 0 and not player.engine.seeking, timeout=WAIT_MS)


def settle(qtbot, player, quiet_ms: int = 250) -> None:
    """Wait until no seek is pending and no new frame has arrived for ``quiet_ms``."""
    recorder = FrameRecorder(player)
    while True:
        qtbot.waitUntil(lambda: not player.engine.seeking, timeout=WAIT_MS)
        before = len(recorder.shown)
        qtbot.wait(quiet_ms)
        if len(recorder.shown) == before and not player.engine.seeking:
            break
    recorder.detach()


def seek_and_check(qtbot, player, index: int) -> None:
    """Seek (paused) to ``index``; the widget must report it and the picture must carry its code."""
    player.seek_frame(index)
    wait_on_frame(qtbot, player, index)


def wait_on_frame(qtbot, player, index: int) -> None:
    """Wait until no seek is pending and frame ``index`` is reported, then check the picture carries its code.

    On a busy machine a seek can outlast the engine's patience (it stops counting as pending before its picture
    arrives), so "no seek pending" alone does not mean the picture has come: wait for the frame itself.
    """
    with contextlib.suppress(qtbot.TimeoutError):  # then assert_on_screen says what is on screen instead
        qtbot.waitUntil(
            lambda: not player.engine.seeking and player.current_frame()[0] == index, timeout=WAIT_MS
        )
    assert_on_screen(player, index)


def assert_on_screen(player, index: int | None = None) -> int:
    """The reported frame equals the code in the picture on screen (and ``index``, if given)."""
    reported, ms = player.current_frame()
    shown = frame_code(player.displayed_frame())
    assert shown == reported, f"widget reports frame {reported} ({ms} ms) but the picture is frame {shown}"
    if index is not None:
        assert reported == index, f"asked for frame {index}, got {reported}"
    return reported


class FrameRecorder(QObject):
    """Records every frame the widget announces, with the code read from the picture painted for it."""

    def __init__(self, player, decode: bool = False) -> None:
        super().__init__()
        self._player = player
        self._decode = decode
        self.shown: list[tuple[int, int, int | None]] = []  # (reported index, ms, code in the picture)
        player.frameShown.connect(self.on_shown)

    @Slot(int, int)
    def on_shown(self, index: int, ms: int) -> None:
        code = frame_code(self._player.displayed_frame()) if self._decode else None
        self.shown.append((index, ms, code))

    def detach(self) -> None:
        self._player.frameShown.disconnect(self.on_shown)

    def mismatches(self) -> list[tuple[int, int, int | None]]:
        return [row for row in self.shown if row[0] != row[2]]


def make_player(qtbot, parent=None):
    """A shown PlayerWidget that is closed (clip first) when the test ends."""
    from bwvtool.ui.player import PlayerWidget

    widget = PlayerWidget(parent)
    if parent is None:
        qtbot.addWidget(widget, before_close_func=lambda w: w.close_clip())
        widget.resize(800, 520)
        widget.show()
    return widget
