"""Matching cameras by their sound, on arrays: lag to well under a frame, 100 ppm drift over ten minutes, silence,
no overlap, and chains of cameras that overlap only pairwise."""

from __future__ import annotations

import numpy as np
import pytest

from bwvtool.incidents import correlate
from bwvtool.incidents.align import ClipSound, align
from bwvtool.incidents.timeline import AUDIO, CATALOGUE, REFERENCE
from bwvtool.media import speech

RATE = 8_000


@pytest.fixture(scope="module")
def scene():
    """Eleven minutes of a scene's speech-like sound at 8 kHz, and of other voices (the cameras' wearers)."""
    render = lambda seed: np.concatenate(list(speech.render(660, seed=seed, sample_rate=RATE)))  # noqa: E731
    return render(3), render(50)


def camera(scene, start_s, seconds, *, drift_ppm=0.0, gain_db=0.0, noise_db=-40.0, silent_s=0.0, seed=1):
    """The scene as a camera heard it: from ``start_s``, its clock ``drift_ppm`` fast, with its own noise and
    its wearer's voice (a stretch of the other voices that no other camera hears)."""
    sound, voices = scene
    rate = 1 + drift_ppm * 1e-6
    n = int(seconds * RATE)
    at = (start_s + np.arange(n) / RATE / rate) * RATE
    rng = np.random.default_rng(seed)
    own = np.roll(voices, -seed * 41 * RATE)[:n] * 0.3
    heard = np.interp(at, np.arange(len(sound)), sound) * 10 ** (gain_db / 20)
    out = (heard + own + rng.standard_normal(n) * 10 ** (noise_db / 20)).astype(np.float32)
    out[: int(silent_s * RATE)] = 0
    return out


def test_lag_and_drift_over_ten_minutes(scene):
    first = camera(scene, 0.0, 600)
    second = camera(scene, 12.5, 590, drift_ppm=100.0, gain_db=-10, noise_db=-35, seed=2)
    found = correlate.match_pair(first, second, RATE, expected_lag_s=12.5 + 2.3)  # catalogue 2.3 s off
    assert isinstance(found, correlate.PairMatch)
    # first's time = 12.5 + second's / 1.0001: lag to 0.5 ms, slope to 3 ppm.
    assert found.lag_s == pytest.approx(12.5, abs=0.0005)
    assert found.slope == pytest.approx(1 / 1.0001 - 1, abs=3e-6)
    assert found.psr > 15 and found.windows >= 10 and found.residual_ms < 1


def test_a_silent_pre_event_buffer_is_left_out(scene):
    first = camera(scene, 0.0, 120)
    second = camera(scene, 5.0, 100, silent_s=30.0, seed=4)
    found = correlate.match_pair(first, second, RATE, expected_lag_s=6.0)
    assert isinstance(found, correlate.PairMatch)
    assert found.lag_s == pytest.approx(5.0, abs=0.0005)


@pytest.mark.parametrize(
    ("second_kwargs", "expected_lag", "reason"),
    [
        ({"start_s": 0.0, "seconds": 25.0, "silent_s": 30.0}, 0.0, "no sound recorded"),
        ({"start_s": 300.0, "seconds": 60.0}, 300.0, "no overlap with another clip"),
    ],
)
def test_no_usable_common_sound_is_no_match(scene, second_kwargs, expected_lag, reason):
    first = camera(scene, 0.0, 120)
    second = camera(scene, **second_kwargs, seed=5)
    found = correlate.match_pair(first, second, RATE, expected_lag_s=expected_lag)
    assert found == correlate.NoMatch(reason)


def test_unrelated_sound_is_no_match(scene):
    first = camera(scene, 0.0, 120)
    # Other voices, from a time the scene's never reaches (the generator's intonation follows the clock).
    other = scene[1][500 * RATE : 620 * RATE]
    found = correlate.match_pair(first, other, RATE, expected_lag_s=0.0)
    assert isinstance(found, correlate.NoMatch)


def test_a_chain_of_cameras_aligns_through_the_middle_one(scene):
    """A and C never overlap; both overlap B. C is placed through B, a silent clip keeps its catalogue offset."""
    clips = [
        ClipSound("A", 0.0, camera(scene, 0.0, 140, seed=6), RATE),
        ClipSound("B", 80_000.0 + 1_500, camera(scene, 80.0, 220, drift_ppm=-60, seed=7), RATE),
        ClipSound("C", 240_000.0 - 900, camera(scene, 240.0, 100, seed=8), RATE),
        ClipSound("D", 30_000.0, np.zeros(20 * RATE, dtype=np.float32), RATE),
    ]
    placed = {a.clip_id: a for a in align(clips)}
    assert placed["B"].method == REFERENCE and placed["C"].matched_to == "B" and placed["A"].method == AUDIO
    assert placed["D"].method == CATALOGUE and placed["D"].note == "no sound recorded"
    # On B's clock (0 ppm), A started 80 s before B and C 160 s after it, whatever the catalogue said.
    b = placed["B"].placement
    assert b.offset_ms - placed["A"].offset_ms == pytest.approx(80_000 * (1 - 60e-6), abs=1)
    assert placed["C"].offset_ms - b.offset_ms == pytest.approx(160_000 * (1 - 60e-6), abs=1)
    assert placed["A"].drift_ppm == pytest.approx(60, abs=5)
    assert min(a.offset_ms for a in placed.values()) == 0  # incident time 0: the first camera's first frame
    # D kept its catalogue place relative to the reference.
    assert placed["D"].offset_ms - placed["D"].catalogue_offset_ms == 0
