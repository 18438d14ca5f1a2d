"""The frame-index pixel code: exact round trips, and it survives H.264, scaling and colour shifts."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwvtool.media import framecode
from bwvtool.media.frame import grab_frame
from bwvtool.media.probe import frame_times
from tests.conftest import REPO

SAMPLES = REPO / "sample_media"


_BUSY = np.random.default_rng(0).integers(40, 200, (1080, 1920, 3), dtype=np.uint8)
_BUSY[:, ::37] = 255


def _canvas(width: int = 1280, height: int = 720) -> np.ndarray:
    """A busy picture (noise and stripes) so the code has to stand out from real content."""
    return _BUSY[:height, :width].copy()


@given(st.integers(0, framecode.MAX_INDEX))
@settings(max_examples=150, deadline=None)
def test_round_trip_any_index(index):
    assert framecode.decode(framecode.encode(_canvas(640, 360), index)) == index


@pytest.mark.parametrize("width", [320, 333, 480, 640, 960, 1919, 2560])
@pytest.mark.parametrize("interpolation", [cv2.INTER_AREA, cv2.INTER_LINEAR, cv2.INTER_CUBIC])
def test_survives_scaling_to_any_width_from_320(width, interpolation):
    for index in (0, 1, 4095, 123_456, framecode.MAX_INDEX):
        frame = framecode.encode(_canvas(1920, 1080), index)
        scaled = cv2.resize(frame, (width, round(width * 9 / 16)), interpolation=interpolation)
        assert framecode.decode(scaled) == index


def test_survives_colour_shifts_and_stretching():
    frame = framecode.encode(_canvas(), 654_321)
    shifted = np.clip(frame.astype(np.float32) * [0.8, 0.9, 0.7] + [20, 35, 10], 0, 255).astype(np.uint8)
    assert framecode.decode(shifted) == 654_321
    limited = (16 + frame.astype(np.float32) * 219 / 255).astype(np.uint8)  # TV-range levels
    assert framecode.decode(limited) == 654_321
    stretched = cv2.resize(frame, (800, 300))  # aspect ratio changed
    assert framecode.decode(stretched) == 654_321
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    assert framecode.decode(gray) == 654_321
    rgba = cv2.cvtColor(frame, cv2.COLOR_RGB2RGBA)  # QVideoFrame images often come as RGBA/BGRA
    assert framecode.decode(rgba) == 654_321


def test_survives_h264_and_half_size():
    path = SAMPLES / "framecode_720p25.mp4"
    times = frame_times(path)
    for at_ms in (0, 3_040, 11_960, 23_960):
        frame = grab_frame(path, at_ms, times=times)
        half = cv2.resize(frame.rgb, (640, 360), interpolation=cv2.INTER_AREA)
        quarter = cv2.resize(frame.rgb, (320, 180), interpolation=cv2.INTER_LINEAR)
        assert (
            framecode.decode(frame.rgb) == framecode.decode(half) == framecode.decode(quarter) == frame.index
        )


def test_no_code_reads_as_none_never_as_a_number():
    assert framecode.decode(np.zeros((720, 1280, 3), np.uint8)) is None
    assert framecode.decode(np.full((720, 1280, 3), 255, np.uint8)) is None
    assert framecode.decode(_canvas()) is None
    assert framecode.decode(np.zeros((100, 100, 3), np.uint8)) is None  # too small to hold a code


def test_a_flipped_cell_is_caught_by_the_check():
    frame = framecode.encode(_canvas(), 1000)
    edges = [round(i * 1280 / framecode.CELLS) for i in range(framecode.CELLS + 1)]
    rows = framecode.band_height(720)
    for cell in range(2, framecode.CELLS):
        damaged = frame.copy()
        damaged[:rows, edges[cell] : edges[cell + 1]] = 255 - damaged[:rows, edges[cell] : edges[cell + 1]]
        assert framecode.decode(damaged) is None, cell


def test_index_out_of_range_is_refused():
    with pytest.raises(ValueError):
        framecode.encode(_canvas(), framecode.MAX_INDEX + 1)
    with pytest.raises(ValueError):
        framecode.encode(_canvas(), -1)
