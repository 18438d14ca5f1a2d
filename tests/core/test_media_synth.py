"""The synthetic clip generator: schedules, odd cases, loudness that changes, and its command."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from bwvtool.errors import MediaError, UsageError
from bwvtool.media import ffmpeg, framecode, speech, synth
from bwvtool.media.frame import grab_frame
from bwvtool.media.probe import frame_times, probe
from tests.conftest import REPO

SAMPLES = REPO / "sample_media"
MANIFEST = {e["name"]: e for e in json.loads((SAMPLES / "clips.json").read_text())}


@pytest.mark.parametrize(
    ("given", "expected"),
    [(25, Fraction(25)), ("30000/1001", Fraction(30000, 1001)), (29.97, Fraction(30000, 1001)),
     ("29.97", Fraction(30000, 1001)), ("60", Fraction(60)), (12.5, Fraction(25, 2))],
)  # fmt: skip
def test_frame_rates_are_exact(given, expected):
    assert synth.parse_fps(given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        {"fps": "fast"},
        {"fps": 0},
        {"width": 100},
        {"width": 641},
        {"rotate": 45},
        {"seconds": 0},
        {"start_s": -1},
    ],
)
def test_bad_options_are_usage_errors(bad):
    with pytest.raises(UsageError):
        synth.ClipOptions(**bad)


def test_cfr_schedules():
    at_2997 = synth.ClipOptions(seconds=10, fps="30000/1001")
    ticks = at_2997.frame_ticks()
    assert (
        len(ticks) == 300
        and at_2997.timescale == 90_000
        and {b - a for a, b in zip(ticks, ticks[1:], strict=False)} == {3003}
    )
    assert synth.ClipOptions(seconds=2, fps=25).frame_times()[-1] == Fraction(49, 25)


def test_the_vfr_clip_has_exactly_the_planned_frame_times():
    """The setpts expression ffmpeg evaluated and the Python schedule agree tick for tick."""
    entry = MANIFEST["odd_vfr_start10s.mp4"]
    options = synth.ClipOptions(**entry["options"])
    times = frame_times(SAMPLES / entry["name"])
    first = times.pts[0]
    assert [(p - first) * times.time_base for p in times.pts] == options.frame_times()
    gaps = {b - a for a, b in zip(options.frame_ticks(), options.frame_ticks()[1:], strict=False)}
    assert gaps == {options.frame_duration_ticks * k for k in (1, 2, 3)}  # full rate, half rate, stutter


def test_audio_loudness_follows_the_plan():
    entry = MANIFEST["framecode_720p25.mp4"]
    options = synth.ClipOptions(**entry["options"])
    result = ffmpeg.run(
        ["-i", str(SAMPLES / entry["name"]), "-vn", "-ac", "1", "-ar", "48000", "-f", "s16le", "-"],
        timeout_s=30,
        what="decoding audio",
    )
    pcm = np.frombuffer(result.stdout, dtype="<i2").astype(np.float64) / 32768
    level: dict[str, list[float]] = {}
    for passage in speech.loudness_plan(options.seconds, options.seed):
        span = passage.end_s - passage.start_s
        a, b = (int((passage.start_s + f * span) * 48000) for f in (0.2, 0.8))  # inner part of the passage
        rms = float(np.sqrt(np.mean(pcm[a:b] ** 2)))
        level.setdefault(passage.kind, []).append(20 * np.log10(max(rms, 1e-9)))
    assert set(level) == {"normal", "quiet", "loud", "pause"}  # 24 s holds every kind
    assert min(level["loud"]) > max(level["normal"]) + 5
    assert min(level["normal"]) > max(level["quiet"]) + 8
    assert min(level["quiet"]) > max(level["pause"]) + 8


def test_speech_envelope_has_syllables():
    """Within a passage the level rises and falls at a syllable rate, as speech does."""
    track = np.concatenate(list(speech.render(6, seed=5)))
    frames = track[: len(track) // 480 * 480].reshape(-1, 480)  # 10 ms windows
    envelope = np.sqrt((frames**2).mean(axis=1))
    spectrum = np.abs(np.fft.rfft(envelope - envelope.mean()))
    freqs = np.fft.rfftfreq(len(envelope), d=0.01)
    band = (freqs > 2) & (freqs < 8)
    assert spectrum[band].max() > 2 * spectrum[(freqs > 15)].mean()


def test_generate_cli_makes_every_odd_case_at_once(tmp_path, run_cli):
    out = tmp_path / "odd.mp4"
    code, stdout, _ = run_cli(
        "media", "generate", str(out), "--seconds", "2", "--fps", "29.97", "--size", "320x180", "--vfr",
        "--rotate", "270", "--start-s", "2.5", "--gop-s", "1", "--no-audio", "--json",
    )  # fmt: skip
    assert code == 0 and json.loads(stdout)["size_bytes"] == out.stat().st_size
    info = probe(out)
    assert info.video.rotation == 270 and (info.video.display_width, info.video.display_height) == (180, 320)
    assert info.video.is_vfr and info.video.r_frame_rate == "30000/1001" and info.start_time_s == 2.5
    assert not info.has_audio


def test_1080p_clip(tmp_path):
    path = synth.make_clip(tmp_path / "hd.mp4", seconds=0.5, width=1920, height=1080, audio=False)
    info = probe(path)
    assert (info.video.width, info.video.height, info.video.frame_count) == (1920, 1080, 13)
    frame = grab_frame(path, 480)
    assert frame.index == framecode.decode(frame.rgb) == 12


def test_generate_cli_rejects_bad_options(tmp_path, run_cli):
    for args in (["--size", "big"], ["--size", "100x100"], ["--fps", "fast"]):
        code, _, err = run_cli("media", "generate", str(tmp_path / "x.mp4"), *args)
        assert code == 2 and err.startswith("bwvtool: error:") and err.count("\n") == 1, err
    assert list(tmp_path.glob("*.mp4")) == []


def test_an_encode_that_runs_out_of_time_leaves_nothing_behind(tmp_path):
    with pytest.raises(MediaError, match="timed out"):
        synth.make_clip(tmp_path / "slow.mp4", seconds=30, audio=False, timeout_s=0.2)
    assert list(tmp_path.iterdir()) == []
