"""Incident time ↔ camera time and frame: offsets, drift, frame boundaries, nudges."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bwvtool.incidents.timeline import Placement
from bwvtool.media.timestamps import FrameTimes


def _times(fps: Fraction, frames: int) -> FrameTimes:
    """Frame times of a CFR clip on a 90 kHz clock."""
    step = int(90_000 / fps)
    return FrameTimes(
        time_base=Fraction(1, 90_000),
        origin_us=0,
        pts=tuple(range(0, frames * step, step)),
        last_duration=step,
    )


def test_camera_and_incident_time_are_inverse_with_drift():
    place = Placement("C2", offset_ms=7_200.0, drift_ppm=100.0)
    assert place.camera_ms(7_200.0) == 0
    # 100 ppm fast: ten minutes of incident time are 600.06 s of this camera's media.
    assert place.camera_ms(7_200.0 + 600_000) == pytest.approx(600_060.0)
    for incident in (7_200.0, 10_000.0, 123_456.7, 600_000.0):
        assert place.incident_ms(place.camera_ms(incident)) == pytest.approx(incident, abs=1e-6)


def test_the_frame_shown_at_an_incident_time():
    times = _times(Fraction(25), 250)  # 10 s at 25 fps
    place = Placement("C1", offset_ms=1_000.0)
    assert place.frame_at(999.9, times) is None  # not started yet
    assert place.frame_at(1_000.0, times) == 0
    assert place.frame_at(1_039.9, times) == 0
    assert place.frame_at(1_040.0, times) == 1
    assert place.frame_at(10_999.9, times) == 249
    assert place.frame_at(11_000.0, times) is None  # ended
    assert place.frame_incident_ms(1, times) == pytest.approx(1_040.0)


def test_a_frame_s_own_start_maps_back_to_that_frame():
    times = _times(Fraction(30000, 1001), 3_000)
    place = Placement("C2", offset_ms=7_201.3, drift_ppm=100.9)
    for index in (0, 1, 999, 1_337, 2_999):
        assert place.frame_at(place.frame_incident_ms(index, times), times) == index


def test_drift_moves_late_frames_by_whole_frames():
    times = _times(Fraction(30000, 1001), 18_000)  # 10 min at 29.97 fps
    fast, exact = Placement("C2", 0.0, 100.0), Placement("C2", 0.0, 0.0)
    at = 590_000.0
    # 59 ms of drift after ten minutes: the fast camera is 1–2 frames further on.
    assert fast.frame_at(at, times) - exact.frame_at(at, times) in (1, 2)


def test_a_nudge_moves_the_picture_by_whole_frames_at_every_time():
    times = _times(Fraction(25), 1_000)
    place = Placement("C3", offset_ms=2_700.0, drift_ppm=-35.0)
    moved = place.nudged(2, 40.0)
    for incident in (2_800.0, 10_000.0, 30_000.0):
        assert moved.frame_at(incident, times) - place.frame_at(incident, times) == 2
    assert moved.nudged(-2, 40.0).offset_ms == pytest.approx(place.offset_ms)
