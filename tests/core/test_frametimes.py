"""Player-side frame look-ups (bwvtool.media.frametimes) on real clips' packet timestamps."""

from __future__ import annotations

import math
import os
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from bwvtool.errors import MediaError
from bwvtool.media import frametimes
from bwvtool.media.frametimes import FrameTimesCache
from bwvtool.media.timestamps import FrameTimes

SAMPLES = Path(__file__).resolve().parents[2] / "sample_media"
CLIPS = ["framecode_720p25.mp4", "odd_2997fps_rot90.mp4", "odd_vfr_start10s.mp4", "odd_60fps_noaudio.mp4"]


@pytest.fixture(scope="module")
def cache():
    return FrameTimesCache()


@pytest.mark.parametrize("name", CLIPS)
def test_every_frame_round_trips_through_its_stored_ms(cache, name):
    times = cache.read(SAMPLES / name)[1]
    for index in range(len(times)):
        ms = frametimes.frame_ms(times, index)
        assert times.index_at(ms) == index
        assert 0 <= ms - times.pts_ms(index) < 1


@pytest.mark.parametrize("name", CLIPS)
def test_a_players_start_time_finds_its_frame_despite_microsecond_rounding(cache, name):
    times = cache.read(SAMPLES / name)[1]
    for index in range(len(times)):
        exact = frametimes.start_us(times, index)
        for reported in (math.floor(exact), math.ceil(exact), round(exact) - 1, round(exact) + 1):
            assert frametimes.frame_of_start(times, reported) == index


@pytest.mark.parametrize("name", CLIPS)
def test_seek_positions_fall_inside_the_frame_by_both_measures_of_its_end(cache, name):
    times = cache.read(SAMPLES / name)[1]
    nominal = float(times.common_gap * times.time_base * 1000)
    for index in range(len(times)):
        position = frametimes.seek_ms(times, index)
        start = times.pts_ms(index)
        assert position > start or (index == 0 and position >= 0)
        assert position <= frametimes.end_ms(times, index)
        assert position <= start + nominal + 1e-9  # Qt's FFmpeg backend ends a frame after the nominal gap
        if index > 0:
            assert position > times.pts_ms(index - 1) + nominal - 1e-9
        assert frametimes.frame_at(times, position) == index


def test_variable_frame_rate_long_frames_are_sought_early_in_the_frame(cache):
    times = cache.read(SAMPLES / "odd_vfr_start10s.mp4")[1]
    long_frames = [i for i, gap in enumerate(times.gaps) if gap >= 2 * times.common_gap]
    assert long_frames, "the VFR sample should hold half-rate stretches"
    nominal = float(times.common_gap * times.time_base * 1000)
    for index in long_frames:
        assert frametimes.seek_ms(times, index) - times.pts_ms(index) <= nominal


def test_short_frames_are_sought_after_the_previous_frames_nominal_end():
    # 30 fps nominal with a 10 ms frame in the middle (a camera's jitter): frame 2 starts only 10 ms after frame 1.
    times = FrameTimes(Fraction(1, 1000), 0, (0, 33, 43, 76, 109), 33)
    position = frametimes.seek_ms(times, 2)
    assert 33 + 33 < position <= 43 + 33 and position <= 76
    assert frametimes.frame_at(times, position) == 2


def test_jumps_clamp_at_both_ends(cache):
    times = cache.read(SAMPLES / "framecode_720p25.mp4")[1]
    assert frametimes.frame_after(times, 100, 1000) == 125
    assert frametimes.frame_after(times, 100, -1000) == 75
    assert frametimes.frame_after(times, 10, -5000) == 0
    assert frametimes.frame_after(times, 590, 5000) == 599
    assert frametimes.frame_at(times, -3) == 0
    assert frametimes.frame_at(times, 10**9) == 599


def test_clock_format():
    assert frametimes.format_clock(0) == "00:00:00.000"
    assert frametimes.format_clock(33.9) == "00:00:00.033"
    assert frametimes.format_clock(3_723_004) == "01:02:03.004"
    assert frametimes.format_clock(-1500) == "-00:00:01.500"


def test_cache_reuses_a_result_until_the_file_changes(tmp_path):
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(SAMPLES / "odd_60fps_noaudio.mp4", clip)
    cache = FrameTimesCache(max_files=1)
    first = cache.read(clip)
    assert cache.read(clip) is first
    stat = clip.stat()
    os.utime(clip, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert cache.read(clip) is not first
    other = tmp_path / "other.mp4"
    shutil.copyfile(clip, other)
    cache.read(other)  # max_files=1: forgets clip
    assert cache.read(clip) is not first


def test_cache_reports_missing_and_bad_files(tmp_path):
    cache = FrameTimesCache()
    with pytest.raises(MediaError, match="no such file"):
        cache.read(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all" * 100)
    with pytest.raises(MediaError):
        cache.read(junk)
