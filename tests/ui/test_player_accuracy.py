"""Frame accuracy of the real PlayerWidget, offscreen: the frame it reports is the frame in the picture.

Every clip here carries its frame index as a pixel code (``bwvtool.media.synth``). The tests seek, step, play at
several speeds and pause at random moments, "code" events at random moments by asking the widget which frame is
on screen, then seek back to each event's stored time; every time, the code read from the decoded picture must
equal the frame index the widget reports. Zero frames of error.
"""

from __future__ import annotations

import math
import random

import pytest

from bwvtool.media import synth
from bwvtool.media.frametimes import FrameTimesCache
from tests.ui.test_player_helpers import (
    MAIN_SAMPLE,
    SAMPLES,
    WAIT_MS,
    FrameRecorder,
    assert_on_screen,
    make_player,
    open_clip,
    seek_and_check,
    settle,
    wait_on_frame,
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Small clips for the cases the committed samples do not cover (made once per test run)."""
    folder = tmp_path_factory.mktemp("player_clips")
    common = {"seconds": 5, "width": 640, "height": 360, "gop_s": 2.0}
    return {
        "30fps_start": synth.make_clip(folder / "30fps_start.mp4", fps=30, start_s=3.25, seed=5, **common),
        "2997fps": synth.make_clip(folder / "2997fps.mp4", fps="30000/1001", seed=6, **common),
        "vfr25": synth.make_clip(folder / "vfr25.mp4", fps=25, vfr=True, seed=7, **common),
    }


def _clip(name: str, generated) -> object:
    return generated[name] if name in generated else SAMPLES / name


def test_seeks_to_many_frames_of_the_main_sample(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    total = player.engine.frame_count
    assert total == 600
    rng = random.Random(4)
    # Keyframes (every 50), the frames on either side of them, both ends, and random frames, in random order.
    targets = [0, 1, 49, 50, 51, 99, 100, 298, 299, 300, 549, 550, 598, 599, *rng.sample(range(total), 24)]
    rng.shuffle(targets)
    for index in targets:
        seek_and_check(qtbot, player, index)


def test_steps_forward_and_back_across_keyframes(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    seek_and_check(qtbot, player, 47)
    for expected in range(48, 54):  # over the keyframe at 50
        player.step(1)
        wait_on_frame(qtbot, player, expected)
    seek_and_check(qtbot, player, 102)
    for expected in range(101, 96, -1):  # back over the keyframe at 100: decoded from the one before
        player.step(-1)
        wait_on_frame(qtbot, player, expected)


def test_quick_repeated_steps_add_up(qtbot):
    """Five presses faster than seeks complete move exactly five frames."""
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    seek_and_check(qtbot, player, 200)
    for _ in range(5):
        player.step(1)
    settle(qtbot, player)
    wait_on_frame(qtbot, player, 205)
    for _ in range(7):
        player.step(-1)
    settle(qtbot, player)
    wait_on_frame(qtbot, player, 198)


@pytest.mark.parametrize("speed", [0.25, 1.0, 2.0, 4.0])
def test_playback_codes_at_random_moments_and_seeks_back_to_them(qtbot, speed):
    """The issue's acceptance test: play, code at random moments, pause at random, seek back to each event."""
    player = make_player(qtbot)
    open_clip(qtbot, player, MAIN_SAMPLE)
    rng = random.Random(int(speed * 100))
    seek_and_check(qtbot, player, rng.randrange(0, 100))
    player.set_rate(speed)
    recorder = FrameRecorder(player, decode=True)
    events: list[tuple[int, int]] = []
    for _pause in range(2):
        before = len(recorder.shown)
        player.play()
        # Frames must really arrive before the coder's key presses, however busy the machine is.
        qtbot.waitUntil(lambda before=before: len(recorder.shown) >= before + 3, timeout=WAIT_MS)
        for _event in range(4):
            qtbot.wait(rng.randint(80, 400))
            index, ms = player.current_frame()  # what a code key press stores
            assert_on_screen(player, index)
            events.append((index, ms))
        player.pause()
        settle(qtbot, player)
        assert_on_screen(player)
    recorder.detach()
    assert len(recorder.shown) >= 6, "playback delivered too few frames to test"
    assert recorder.mismatches() == [], "frames whose picture differs from the reported index"
    assert len({index for index, _ in events}) > 1, "playback did not move"
    for index, ms in events:
        player.seek_time(ms)  # seek back by the stored time, as the timeline does
        wait_on_frame(qtbot, player, index)


@pytest.mark.parametrize(
    "name",
    [
        "odd_2997fps_rot90.mp4",
        "odd_vfr_start10s.mp4",
        "odd_60fps_noaudio.mp4",
        "30fps_start",
        "2997fps",
        "vfr25",
    ],
)
def test_odd_clips_seek_step_and_play_exactly(qtbot, generated, name):
    player = make_player(qtbot)
    path = _clip(name, generated)
    open_clip(qtbot, player, path)
    times = FrameTimesCache().read(path)[1]
    total = player.engine.frame_count
    assert total == len(times)
    rng = random.Random(name)
    for index in [0, total - 1, *rng.sample(range(total), 10)]:
        seek_and_check(qtbot, player, index)
    seek_and_check(qtbot, player, total // 2)
    for expected in (total // 2 + 1, total // 2 + 2, total // 2 + 1, total // 2, total // 2 - 1):
        player.step(1 if expected > player.current_frame()[0] else -1)
        wait_on_frame(qtbot, player, expected)
    recorder = FrameRecorder(player, decode=True)
    player.set_rate(2.0)
    player.play()
    qtbot.wait(700)
    player.pause()
    settle(qtbot, player)
    recorder.detach()
    assert recorder.mismatches() == []
    assert_on_screen(player)


def test_times_are_relative_to_the_clip_start(qtbot):
    """Timestamps starting at 10.5 s: the first frame shows at the clip start, not at 10.5 s.

    The clip start is the container start (the core's convention); the AAC track starts 21.3 ms before the
    video, so the first frame is at 21.3 ms, stored as 22 ms (rounded up into the frame).
    """
    player = make_player(qtbot)
    path = SAMPLES / "odd_vfr_start10s.mp4"
    open_clip(qtbot, player, path)
    times = FrameTimesCache().read(path)[1]
    seek_and_check(qtbot, player, 0)
    assert player.current_frame() == (0, math.ceil(times.pts_ms(0))) == (0, 22)
    for index in (1, 40, len(times) - 1):
        seek_and_check(qtbot, player, index)
        _index, ms = player.current_frame()
        assert times.index_at(ms) == index  # the stored ms maps back to the same frame in the core
        assert ms - times.pts_ms(index) < 1


def test_rotated_clip_is_shown_upright(qtbot):
    player = make_player(qtbot)
    open_clip(qtbot, player, SAMPLES / "odd_2997fps_rot90.mp4")
    image = player.view.image()
    assert (image.width(), image.height()) == (360, 640)  # portrait, as the display matrix says
    assert_on_screen(player, 0)  # the code band reads correctly only in display orientation
