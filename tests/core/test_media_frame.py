"""Exact frame grabs, checked by reading the frame index each frame carries in its pixels.

The truth is the generator's own schedule (:meth:`ClipOptions.frame_ticks`), not the code under test: the frame
shown at T is the last frame whose time is ≤ T, with times counted from the container start.
"""

from __future__ import annotations

import bisect
import json
import math
from fractions import Fraction

import pytest

from bwvtool.errors import MediaError
from bwvtool.media import framecode, synth
from bwvtool.media.frame import grab_frame
from bwvtool.media.probe import frame_times, probe
from tests.conftest import REPO

SAMPLES = REPO / "sample_media"
MANIFEST = {e["name"]: e for e in json.loads((SAMPLES / "clips.json").read_text())}


def _truth(name: str) -> tuple[list[Fraction], Fraction]:
    """Frame times in seconds relative to the container start, from the generator's schedule."""
    options = synth.ClipOptions(**MANIFEST[name]["options"])
    info = probe(SAMPLES / name)
    shift = Fraction(info.video.start_time_s).limit_denominator(10**6) - Fraction(
        info.start_time_s
    ).limit_denominator(10**6)
    return [t + shift for t in options.frame_times()], Fraction(
        options.duration_ticks(), options.timescale
    ) + shift


def _probe_times(times: list[Fraction], end: Fraction) -> list[int]:
    """Whole-ms times around frame starts: exactly on the first ms a frame shows, and 1 ms before it.

    Covers the first frames, every GOP edge area, B-frame runs, VFR changes and the very end.
    """
    picks = set(range(0, min(len(times), 6))) | set(range(len(times) - 3, len(times)))
    picks |= set(range(0, len(times), max(1, len(times) // 10)))
    probes = {0, math.floor(end * 1000) - 1}
    for i in picks:
        first_ms = math.ceil(times[i] * 1000)
        probes |= {first_ms, first_ms - 1}
    return sorted(t for t in probes if 0 <= t < end * 1000)


@pytest.mark.parametrize("name", list(MANIFEST))
def test_grab_is_exact_at_and_just_before_frame_boundaries(name):
    path = SAMPLES / name
    truth, end = _truth(name)
    times = frame_times(path)
    assert len(times) == len(truth)
    errors = []
    for at_ms in _probe_times(truth, end):
        expected = max(bisect.bisect_right(truth, Fraction(at_ms, 1000)) - 1, 0)
        frame = grab_frame(path, at_ms, times=times)
        code = framecode.decode(frame.rgb)
        if not (frame.index == expected == code):
            errors.append((at_ms, expected, frame.index, code))
        assert frame.pts_ms == pytest.approx(max(float(truth[frame.index] * 1000), 0.0), abs=0.001)
    assert errors == []  # zero frames of error


def test_rotated_clip_comes_out_as_displayed():
    frame = grab_frame(SAMPLES / "odd_2997fps_rot90.mp4", 2000)
    assert (frame.width, frame.height) == (360, 640)
    assert framecode.decode(frame.rgb) == frame.index == 59  # the code is only readable the right way up


def test_a_clip_made_now_grabs_exactly_too(tmp_path):
    """Generator and grabber agree on a fresh clip with a short GOP, 60 fps and a start offset."""
    path = synth.make_clip(tmp_path / "c.mp4", seconds=1.5, fps=60, width=320, height=180, audio=False,
                           start_s=3.25, gop_s=0.5)  # fmt: skip
    times = frame_times(path)
    assert len(times) == 90
    for index in (0, 1, 29, 30, 31, 59, 89):
        at_ms = math.ceil(index * 1000 / 60)
        frame = grab_frame(path, at_ms, times=times)
        assert frame.index == framecode.decode(frame.rgb) == index
        if index:
            assert grab_frame(path, at_ms - 1, times=times).index == index - 1


def test_frame_cli_writes_the_png_and_reports_index_and_pts(tmp_path, run_cli):
    import cv2

    out = tmp_path / "frame.png"
    code, stdout, _ = run_cli(
        "media",
        "frame",
        str(SAMPLES / "framecode_720p25.mp4"),
        "--at-ms",
        "1000",
        "--out",
        str(out),
        "--json",
    )
    assert code == 0
    data = json.loads(stdout)
    assert data["index"] == 25 and data["pts_ms"] == 1000.0 and (data["width"], data["height"]) == (1280, 720)
    written = cv2.imread(str(out))
    assert written.shape == (720, 1280, 3) and framecode.decode(written) == 25


def test_times_outside_the_video_and_audio_only_files_are_refused(tmp_path, run_cli):
    clip = str(SAMPLES / "odd_60fps_noaudio.mp4")
    with pytest.raises(MediaError, match="after the end"):
        grab_frame(clip, 4001)
    with pytest.raises(MediaError, match="negative"):
        grab_frame(clip, -1)
    assert grab_frame(clip, 4000).index == 239  # the end of the last frame still shows it
    audio = synth.make_audio_only(tmp_path / "voice.m4a", seconds=1)
    code, out, err = run_cli("media", "frame", str(audio), "--at-ms", "100", "--out", str(tmp_path / "a.png"))
    assert code == 2 and "no video stream" in err and err.count("\n") == 1
    code, _, err = run_cli("media", "frame", clip, "--at-ms", "10", "--out", str(tmp_path / "none" / "a.png"))
    assert code == 2 and "cannot write" in err
