"""The PlayerWidget's behaviour offscreen: opening, bad files, integrity, keys, speed, loop, shuttle, the end."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QMediaPlayer
from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

from tests.ui.test_player_helpers import (
    MAIN_SAMPLE,
    SAMPLES,
    WAIT_MS,
    FrameRecorder,
    assert_on_screen,
    frame_code,
    make_player,
    open_clip,
    sample_sha256,
    seek_and_check,
    settle,
    wait_on_frame,
)


def _key(qtbot, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, key, modifier)


def test_open_shows_first_frame_counter_and_duration(qtbot):
    player = make_player(qtbot)
    with qtbot.waitSignal(player.durationKnown, timeout=WAIT_MS) as duration:
        open_clip(qtbot, player, MAIN_SAMPLE)
    assert duration.args == [24000, 600]
    assert_on_screen(player, 0)
    assert player.current_frame() == (0, 0)
    transport = player.transport
    assert transport.time_label.text() == "00:00:00.000"
    assert transport.frame_label.text() == "frame 0 / 600"
    seek_and_check(qtbot, player, 437)
    assert transport.time_label.text() == "00:00:17.480"
    assert transport.frame_label.text() == "frame 437 / 600"
    assert transport.scrub.value() == 437


def test_missing_file_shows_a_message_and_the_player_keeps_working(qtbot, tmp_path):
    player = make_player(qtbot)
    missing = tmp_path / "gone.mp4"
    with qtbot.waitSignal(player.error, timeout=WAIT_MS) as error:
        player.open_clip(missing, "ab" * 32)
    assert "does not exist" in error.args[0] and "gone.mp4" in error.args[0]
    assert player.view.message[0].startswith("Cannot open gone.mp4")
    assert player.current_frame() == (-1, -1)
    player.step(1)  # nothing to step: no crash, no change
    player.play()
    assert not player.engine.is_playing
    open_clip(qtbot, player, MAIN_SAMPLE)
    assert player.view.message is None
    assert_on_screen(player, 0)


def test_undecodable_file_shows_a_message(qtbot, tmp_path):
    player = make_player(qtbot)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(4000))
    with qtbot.waitSignal(player.error, timeout=WAIT_MS) as error:
        player.open_clip(broken)
    assert "broken.mp4" in error.args[0]
    assert player.view.message is not None and player.view.frame() is None
    assert player.current_frame()[0] == -1
    qtbot.wait(300)  # Qt and the probe both notice: the message is said once, nothing crashes meanwhile


def test_integrity_mismatch_shows_a_banner_without_blocking_playback(qtbot):
    player = make_player(qtbot)
    with qtbot.waitSignal(player.integrityFailed, timeout=WAIT_MS) as failed:
        player.open_clip(MAIN_SAMPLE, "0" * 64)
        qtbot.waitUntil(lambda: player.current_frame()[0] >= 0, timeout=WAIT_MS)
    assert "does not match the catalogue" in failed.args[0]
    assert player.view.banner == failed.args[0]
    assert player.integrity_state == "failed"
    seek_and_check(qtbot, player, 123)  # the clip can still be watched
    open_clip(qtbot, player, MAIN_SAMPLE)  # a new clip removes the banner
    assert player.view.banner is None and player.integrity_state == "none"


def test_matching_hash_is_verified(qtbot):
    player = make_player(qtbot)
    expected = sample_sha256(MAIN_SAMPLE.name)
    with qtbot.waitSignal(player.integrityVerified, timeout=WAIT_MS) as verified:
        player.open_clip(MAIN_SAMPLE, expected.upper())
    assert verified.args == [expected]
    assert player.integrity_state == "ok" and player.view.banner is None


def test_keys_step_jump_and_shuttle(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    player.setFocus()
    seek_and_check(qtbot, player, 100)
    steps = [
        (Qt.Key.Key_Right, Qt.KeyboardModifier.NoModifier, 101),
        (Qt.Key.Key_Period, Qt.KeyboardModifier.NoModifier, 102),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, 101),
        (Qt.Key.Key_Comma, Qt.KeyboardModifier.NoModifier, 100),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, 125),  # +1 s at 25 fps
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier, 100),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier, 225),  # +5 s
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier, 100),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier, 0),  # clamped at the start
    ]
    for key, modifier, expected in steps:
        _key(qtbot, player, key, modifier)
        wait_on_frame(qtbot, player, expected)
    _key(qtbot, player, Qt.Key.Key_L)
    assert player.engine.is_playing and player.engine.rate == 1.0
    _key(qtbot, player, Qt.Key.Key_L)
    assert player.engine.rate == 2.0
    _key(qtbot, player, Qt.Key.Key_L)
    assert player.engine.rate == 4.0
    assert player.engine.player.playbackRate() == 4.0
    _key(qtbot, player, Qt.Key.Key_K)
    assert not player.engine.is_playing
    settle(qtbot, player)
    assert_on_screen(player)
    _key(qtbot, player, Qt.Key.Key_Space)
    assert player.engine.is_playing
    _key(qtbot, player, Qt.Key.Key_Space)
    assert not player.engine.is_playing


def test_speed_keys_clamp_and_keep_pitch(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    player.setFocus()
    engine = player.engine
    assert engine.player.pitchCompensation()  # Qt keeps the pitch at other speeds (on by default)
    for expected in (1.25, 1.5, 2.0, 3.0, 4.0, 4.0):
        _key(qtbot, player, Qt.Key.Key_Plus)
        assert engine.rate == expected
    for _ in range(12):
        _key(qtbot, player, Qt.Key.Key_Minus)
    assert engine.rate == 0.25
    _key(qtbot, player, Qt.Key.Key_Equal)
    assert engine.rate == 0.5 and player.transport.speed_button.text() == "0.5×"
    player.set_rate(9)
    assert engine.rate == 4.0


def test_mute_and_volume(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    player.setFocus()
    assert not player.engine.muted
    _key(qtbot, player, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert player.engine.muted and player.engine.audio_output.isMuted()
    _key(qtbot, player, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    assert not player.engine.muted
    player.transport.volume.setValue(30)
    assert abs(player.engine.audio_output.volume() - 0.3) < 1e-6


def _jumps_back(shown: list[int]) -> int:
    return sum(1 for a, b in zip(shown, shown[1:], strict=False) if b < a)


def test_a_b_loop_keeps_playback_between_the_marks(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    player.setFocus()
    seek_and_check(qtbot, player, 130)
    _key(qtbot, player, Qt.Key.Key_BracketRight)
    seek_and_check(qtbot, player, 110)
    _key(qtbot, player, Qt.Key.Key_BracketLeft)
    assert (player.engine.loop.a, player.engine.loop.b) == (110, 130)
    assert player.transport.loop_label.text() == "A 00:00:04.400  →  B 00:00:05.200"
    recorder = FrameRecorder(player, decode=True)
    # Per frame shown, as it is shown: its index and whether the jump back to A had already been asked for.
    turns_seen: list[tuple[int, bool]] = []

    def record(index: int, _ms: int) -> None:
        turns_seen.append((index, player.engine.loop_jump_pending))

    player.frameShown.connect(record)
    player.set_rate(2.0)
    player.play()
    # Wait for the behaviour, not for a time: several turns of the loop, however slowly the machine plays.
    qtbot.waitUntil(lambda: _jumps_back([i for i, _ms, _c in recorder.shown]) >= 3, timeout=WAIT_MS * 2)
    player.frameShown.disconnect(record)  # pictures decoded before the pause may still come: not playback
    player.pause()
    settle(qtbot, player)
    recorder.detach()
    shown = [index for index, _ms, _code in recorder.shown]
    assert recorder.mismatches() == []
    assert min(shown) >= 110, "a frame before A was shown"
    assert max(shown) < 599, "playback ran on to the end of the clip"
    # The first frame at or past B asks for the jump back; frames already decoded may still arrive after it (more
    # of them on a busy machine), but only while that jump is pending, never as playback carrying on.
    reached_b, previous = False, None
    for index, was_pending in turns_seen:
        if previous is not None and index < previous:
            reached_b = False  # jumped back: a new turn
        previous = index
        if index >= 130:
            assert not reached_b or was_pending, f"frame {index} shown past B with no jump back pending"
            reached_b = True
    turns = [shown[i + 1] for i in range(len(shown) - 1) if shown[i + 1] < shown[i]]
    assert all(110 <= after < 130 for after in turns), f"a jump back landed outside the loop: {turns}"
    _key(qtbot, player, Qt.Key.Key_Backslash, Qt.KeyboardModifier.ControlModifier)
    assert not player.engine.loop.active and player.transport.loop_label.text() == ""


def test_reverse_shuttle_moves_back_with_exact_frames(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    player.setFocus()
    seek_and_check(qtbot, player, 300)
    recorder = FrameRecorder(player, decode=True)
    started = time.monotonic()
    _key(qtbot, player, Qt.Key.Key_J)
    assert player.engine.is_reversing and player.transport.speed_button.text() == "◀ 1×"
    qtbot.waitUntil(lambda: len(recorder.shown) >= 3, timeout=WAIT_MS)
    at_2x = time.monotonic()
    _key(qtbot, player, Qt.Key.Key_J)
    assert player.engine.reverse_rate == 2.0
    qtbot.waitUntil(lambda: len(recorder.shown) >= 6, timeout=WAIT_MS)
    stopped = time.monotonic()
    _key(qtbot, player, Qt.Key.Key_K)
    assert not player.engine.is_reversing
    settle(qtbot, player)
    recorder.detach()
    shown = [index for index, _ms, _code in recorder.shown]
    assert recorder.mismatches() == []
    assert shown == sorted(shown, reverse=True) and len(shown) >= 6
    index = assert_on_screen(player)
    # Reverse shuttle follows the wall clock: never further back than 1× then 2× for the time each key held.
    most_back = ((at_2x - started) * 1 + (stopped - at_2x) * 2) * 25
    assert 300 - most_back - 2 <= index < 300, f"frame {index} after at most {most_back:.0f} frames back"


def test_playing_to_the_end_keeps_the_last_frame_and_can_restart(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    seek_and_check(qtbot, player, 585)
    player.set_rate(4.0)
    player.play()
    qtbot.waitUntil(
        lambda: player.engine.player.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=WAIT_MS
    )
    settle(qtbot, player)
    assert_on_screen(player, 599)
    player.step(-1)  # a stopped player must be paused before it can seek
    wait_on_frame(qtbot, player, 598)
    seek_and_check(qtbot, player, 599)
    player.set_rate(1.0)
    player.play()  # from the last frame: starts again at the beginning
    qtbot.waitUntil(lambda: player.current_frame()[0] < 100, timeout=WAIT_MS)
    player.pause()
    settle(qtbot, player)
    assert_on_screen(player)


def test_installed_actions_work_anywhere_in_the_window(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    player = make_player(qtbot, window)
    other = QWidget(window)
    other.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    notes = QLineEdit(window)
    layout = QVBoxLayout(window)
    for widget in (other, notes, player):
        layout.addWidget(widget)
    player.install_actions(window)
    window.show()
    qtbot.waitExposed(window)
    open_clip(qtbot, player, MAIN_SAMPLE)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    _key(qtbot, other, Qt.Key.Key_Right)
    wait_on_frame(qtbot, player, 1)
    notes.setFocus()
    qtbot.waitUntil(notes.hasFocus)
    qtbot.keyClicks(notes, "l.")  # typing in a text field stays typing
    assert notes.text() == "l." and not player.engine.is_playing
    assert player.current_frame()[0] == 1
    player.close_clip()


def test_rotated_sample_code_reads_only_upright(qtbot):
    """The picture handed to the view is already turned by the display matrix."""
    player = make_player(qtbot)
    open_clip(qtbot, player, SAMPLES / "odd_2997fps_rot90.mp4")
    frame = player.displayed_frame()
    assert (frame.width(), frame.height()) == (640, 360)  # stored landscape
    assert frame_code(frame) == 0  # read from the upright image


def test_close_clip_clears_everything(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE, "0" * 64)
    qtbot.waitUntil(lambda: player.integrity_state == "failed", timeout=WAIT_MS)
    player.close_clip()
    assert player.current_frame() == (-1, -1)
    assert player.view.banner is None and player.view.frame() is None
    assert player.transport.frame_label.text() == "frame – / –"


def test_standalone_runner_saves_a_screenshot(tmp_path):
    shot = tmp_path / "player.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bwvtool.ui.player",
            str(MAIN_SAMPLE),
            "--frame",
            "250",
            "--screenshot",
            str(shot),
        ],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    assert shot.stat().st_size > 10_000


def test_player_keys_and_codebook_reserved_keys_agree():
    """A single key the player binds must be reserved for codebooks, or a code key would be swallowed."""
    from PySide6.QtGui import QKeySequence

    from bwvtool.codebook.keys import PLAYER_KEYS, RESERVED_CHARS
    from bwvtool.ui.player.actions import SPECS

    named = {k.name.lower() for k in PLAYER_KEYS}
    for spec in SPECS:
        for key in spec.keys:
            if "+" in key and len(key) > 1:  # Ctrl+…, Shift+…: not a code key
                continue
            text = QKeySequence(key).toString().lower()
            assert key.lower() in RESERVED_CHARS or text in named, (
                f"{spec.name}: {key} is not reserved for codebooks"
            )
